$LS info samples/ollama.json
