$LS show tests/data/native/utf16.json
