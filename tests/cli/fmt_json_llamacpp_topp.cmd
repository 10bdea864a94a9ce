$LS show samples/llamacpp.json --step 1 --top-p 0.5
