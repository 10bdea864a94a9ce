$LS show tests/data/native/ok.json --top-p 1.5
