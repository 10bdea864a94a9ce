$LS show samples/tgi.json --step 1 --json
