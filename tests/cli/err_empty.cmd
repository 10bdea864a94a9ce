$LS show tests/data/native/empty.json
