$LS eval tests/data/eval/seq.json -n 20 --top-k 1 --seed 7
