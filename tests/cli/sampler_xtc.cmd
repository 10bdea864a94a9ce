$LS show samples/demo.json --step 5 --defaults llama.cpp --xtc-probability 1 --xtc-threshold 0.05 --top 8
