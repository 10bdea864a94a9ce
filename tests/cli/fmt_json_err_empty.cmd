$LS show tests/data/json/empty.json
