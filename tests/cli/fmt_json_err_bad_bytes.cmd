$LS show tests/data/json/bad_bytes.json
