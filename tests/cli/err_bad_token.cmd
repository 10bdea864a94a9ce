$LS show tests/data/native/badtoken.json
