$LS sweep samples/demo.json --defaults llama.cpp --top-k 0 --top-p 1 --min-p 0 --dry-allowed-length 1 --dry-multiplier 0,1,3 --dry-sequence-breaker ':' --dry-sequence-breaker ': "' -n 4
