$LS show samples/demo.json --step 5 --defaults llama.cpp --typical-p 0.5 --top 8
