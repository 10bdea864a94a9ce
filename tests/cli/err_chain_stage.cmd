$LS show tests/data/native/ok.json --chain top-k,top-a
