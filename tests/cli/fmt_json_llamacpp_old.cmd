$LS show samples/llamacpp_old.json --step 1
