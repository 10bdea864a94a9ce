$LS show samples/demo.json --step 3 --defaults llama.cpp --logit-bias '257=-inf,259+2.5' --top 5
