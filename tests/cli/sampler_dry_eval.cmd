$LS eval samples/demo.json --defaults llama.cpp --top-k 0 --top-p 1 --min-p 0 --dry-multiplier 1 --dry-allowed-length 1 -n 4
