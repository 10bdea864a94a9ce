$LS show tests/tui/data/small.json --token 64
