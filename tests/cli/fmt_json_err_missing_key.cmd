$LS show tests/data/json/missing_key.json
