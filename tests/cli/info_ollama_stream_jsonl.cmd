$LS info samples/ollama_stream.jsonl --top all
