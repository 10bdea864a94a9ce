$LS show tests/data/json/wrong_type.json
