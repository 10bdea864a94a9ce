$LS eval tests/data/topn/paris_legacy.json -n 2 --top-k 5
