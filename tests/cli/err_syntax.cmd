$LS show tests/data/native/syntax.json
