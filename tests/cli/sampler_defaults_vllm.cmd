$LS show samples/demo.json --step 5 --defaults vllm --top 5 --json
