$LS show samples/demo.json --step 20 --defaults vllm --temperature 0.005 --top 5
