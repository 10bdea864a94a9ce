$LS show tests/data/json/lone_surrogate.json
