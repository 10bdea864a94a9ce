$LS show tests/data/json/deep.json
