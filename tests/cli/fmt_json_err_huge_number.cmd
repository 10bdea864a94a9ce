$LS show tests/data/json/huge_number.json
