$LS show samples/demo.json --step 3 --defaults hf --logit-bias 257-inf --logit-bias 44=1 --top 3
