$LS show tests/data/native/wrongtype.json
