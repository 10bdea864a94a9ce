$LS show tests/tui/data/small.json --step 3 --top-k 3 --token 54 --json
