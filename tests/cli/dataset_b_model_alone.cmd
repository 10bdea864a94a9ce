$LS dataset eval tests/data/dataset/prompts.jsonl --b-model samples/model.lsm
