$LS dataset eval tests/data/dataset/prompts.jsonl --model /nonexistent/m.lsm
