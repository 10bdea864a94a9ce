$LS show samples/demo.json --step 3 --defaults llama.cpp --logit-bias '6=-inf,10+2.5' --top 5
