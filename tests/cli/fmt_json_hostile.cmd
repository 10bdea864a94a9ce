$LS show tests/data/json/hostile.json
