$LS show tests/data/json/bad_bytes_type.json
