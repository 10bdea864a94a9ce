$LS show samples/demo.json --step 5 --top-p 0.05 --min-keep 4 --top 6
