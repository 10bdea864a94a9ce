$LS dataset eval tests/data/dataset/a.jsonl --b tests/data/dataset/b.jsonl --model tiny
