$LS show tests/data/json/bad_id.json
