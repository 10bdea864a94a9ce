$LS dataset eval tests/data/dataset/a.jsonl -n 5 --temperatures 0.7 --csv
