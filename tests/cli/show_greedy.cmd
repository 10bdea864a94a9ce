$LS show samples/demo.json --step 13 --temperature 0 --top 3
