$LS show samples/demo.json --step 5 --top 10
