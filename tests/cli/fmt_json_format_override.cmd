$LS show samples/llamacpp.json --format llama.cpp --top 1
