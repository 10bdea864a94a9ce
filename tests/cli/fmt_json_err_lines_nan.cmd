$LS show tests/data/json/lines_nan.jsonl
