$LS info samples/openai_completions.json
