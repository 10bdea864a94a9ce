$LS show samples/demo.json --logit-bias 6=inf
