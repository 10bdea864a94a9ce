$LS show tests/data/json/lines_syntax.jsonl
