$LS show tests/data/native/does-not-exist.json
