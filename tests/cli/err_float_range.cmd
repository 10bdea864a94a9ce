$LS show tests/data/native/overflow.json
