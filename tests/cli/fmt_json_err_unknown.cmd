$LS show tests/data/json/unknown.json
