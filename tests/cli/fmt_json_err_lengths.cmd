$LS show tests/data/json/lengths.json
