$LS show tests/data/json/whitespace.json
