$LS show tests/data/json/trailing.json
