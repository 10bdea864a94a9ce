$LS show tests/data/native/allmasked.json
