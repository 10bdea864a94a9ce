$LS show tests/data/sampling/ties.json --step 1 --top-p 0.5 --json
