$LS show tests/data/json/lines_wrong_type.jsonl
