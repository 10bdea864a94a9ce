$LS show tests/data/eval/clip.json --step 1 --token 0
