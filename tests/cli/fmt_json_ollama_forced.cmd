$LS show samples/ollama_stream.jsonl --format ollama --json --step 0
