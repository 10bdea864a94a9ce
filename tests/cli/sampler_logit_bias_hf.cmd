$LS show samples/demo.json --step 3 --defaults hf --logit-bias 6-inf --logit-bias 18=1 --top 3
