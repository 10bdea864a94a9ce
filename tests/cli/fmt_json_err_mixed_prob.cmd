$LS show tests/data/json/mixed_prob.json
