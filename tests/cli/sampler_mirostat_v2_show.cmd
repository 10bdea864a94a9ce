$LS show samples/demo.json --step 12 --defaults llama.cpp --mirostat 2 --top 3
