$LS show tests/data/json/utf16.json
