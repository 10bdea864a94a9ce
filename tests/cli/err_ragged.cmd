$LS show tests/data/native/ragged.json
