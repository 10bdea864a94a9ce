$LS show samples/openai_completions.json --step 2 --temperature 0.5
