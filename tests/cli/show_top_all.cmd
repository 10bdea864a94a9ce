$LS show tests/data/native/ok.json --top all --json
