$LS show tests/data/native/evil*name.json --step 9
