$LS dataset eval tests/data/dataset/not_object.jsonl -n 2
