$LS show samples/demo.json --step 5 --typical-p 0.5 --top 8
