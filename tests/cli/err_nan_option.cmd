$LS show tests/data/native/ok.json --top-p nan
