$LS eval tests/data/eval/clip.json --allow-nonfinite -n 3 --clip-threshold 1e5
