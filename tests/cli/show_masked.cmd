$LS show tests/data/native/masked.json --json
