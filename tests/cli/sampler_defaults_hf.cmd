$LS show samples/demo.json --step 5 --defaults hf --top 5
