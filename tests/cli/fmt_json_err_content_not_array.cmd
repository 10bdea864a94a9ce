$LS show tests/data/json/content_not_array.json
