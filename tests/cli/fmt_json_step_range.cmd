$LS show samples/tgi.json --step 2
