$LS tests/tui/data/small.json --b samples/dataset/b.jsonl </dev/null
