$LS dataset eval tests/data/dataset/topn.jsonl --b tests/data/dataset/topn.jsonl -n 2 --temperatures 0.7
