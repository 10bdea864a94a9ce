$LS eval samples/demo.json --defaults llama.cpp --mirostat 2 -n 4
