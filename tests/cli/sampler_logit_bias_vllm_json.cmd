$LS show samples/demo.json --step 3 --defaults vllm --logit-bias "' \"'=false,259=150" --top 3 --json
