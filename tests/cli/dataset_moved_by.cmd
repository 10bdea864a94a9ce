$LS dataset eval tests/data/dataset/a.jsonl --moved-by nope
