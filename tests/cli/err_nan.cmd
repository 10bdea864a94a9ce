$LS show tests/data/native/nan.json
