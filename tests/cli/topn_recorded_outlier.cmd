$LS show tests/data/topn/outlier_chosen.json --top-k 3
