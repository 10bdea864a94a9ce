$LS show samples/demo.json --logit-bias 99999=1
