$LS show tests/data/native/trailing.json
