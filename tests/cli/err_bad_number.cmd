$LS show tests/data/native/ok.json --temperature warm
