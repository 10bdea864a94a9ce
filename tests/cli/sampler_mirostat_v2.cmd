$LS sample samples/demo.json --all --defaults llama.cpp --mirostat 2 --seed 5
