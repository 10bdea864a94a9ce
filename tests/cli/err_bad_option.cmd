$LS show tests/data/native/ok.json --bogus
