$LS show tests/data/json/offset_lengths.json
