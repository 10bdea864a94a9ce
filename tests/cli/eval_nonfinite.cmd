$LS eval tests/data/eval/clip.json
