$LS show tests/data/json/prob_range.json
