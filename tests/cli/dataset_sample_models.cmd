$LS dataset eval samples/dataset/prompts.jsonl --b samples/dataset/prompts.jsonl --model samples/model.lsm --b-model samples/dataset/model_b.lsm -n 8 --shard 1/50 --top 4
