$LS tests/tui/data/small.json --dataset samples/dataset/a.jsonl </dev/null
