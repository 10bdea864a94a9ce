$LS show tests/data/json/nul.json
