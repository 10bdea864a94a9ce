$LS show tests/data/native/ok.json --step 3
