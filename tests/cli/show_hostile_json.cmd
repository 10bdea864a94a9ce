$LS show tests/data/native/hostile.json --json
