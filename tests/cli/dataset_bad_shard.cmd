$LS dataset eval tests/data/dataset/a.jsonl --shard 3/2
