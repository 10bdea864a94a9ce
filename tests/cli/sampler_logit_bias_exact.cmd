$LS show samples/demo.json --step 3 --exact --defaults vllm --logit-bias 257=false --top 3
