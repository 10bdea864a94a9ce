$LS dataset eval tests/data/dataset/prompts.jsonl --b tests/data/dataset/prompts.jsonl --model samples/model.lsm --b-model tests/data/model/small.lsm -n 8 --max-tokens 24 --temperatures 0,0.7 --top 3
