$LS show samples/demo.json --step 5 --eta 0.02 --top 8
