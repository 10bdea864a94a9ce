$LS show tests/data/json/empty_choices.json
