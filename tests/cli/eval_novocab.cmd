$LS eval tests/data/eval/novocab.json -n 10
