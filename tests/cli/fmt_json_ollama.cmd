$LS show samples/ollama.json --step 2 --min-p 0.5
