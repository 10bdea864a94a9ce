$LS show samples/demo.json --step 12 --defaults llama.cpp --repeat-penalty 1.5 --frequency-penalty 0.2 --presence-penalty 0.1 --top 8
