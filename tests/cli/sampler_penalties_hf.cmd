$LS show samples/demo.json --step 12 --repeat-penalty 1.5 --top 8 --json
