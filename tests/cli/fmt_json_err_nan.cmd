$LS show tests/data/json/nan.json
