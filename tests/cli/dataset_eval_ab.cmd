$LS dataset eval tests/data/dataset/a.jsonl --b tests/data/dataset/b.jsonl -n 5 --temperatures 0,1 --top 3
