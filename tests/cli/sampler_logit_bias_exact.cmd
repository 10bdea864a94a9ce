$LS show samples/demo.json --step 3 --exact --defaults vllm --logit-bias 6=false --top 3
