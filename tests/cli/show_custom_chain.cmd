$LS show samples/demo.json --step 28 --chain top-k,temperature,top-p --top-k 3 --temperature 2 --top-p 0.5 --top 5
