$LS show tests/data/json/neg_infinity.json
