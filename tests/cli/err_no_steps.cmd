$LS show tests/data/native/nosteps.json
