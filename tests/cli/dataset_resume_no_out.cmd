$LS dataset eval tests/data/dataset/a.jsonl --resume
