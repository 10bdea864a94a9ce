$LS show tests/data/json/bad_bytes_fraction.json
