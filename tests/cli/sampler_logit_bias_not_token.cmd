$LS show samples/demo.json --logit-bias "'zzzq'=1"
