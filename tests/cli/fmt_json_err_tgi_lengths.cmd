$LS show tests/data/json/tgi_lengths.json
