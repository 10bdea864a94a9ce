$LS diff tests/data/topn/diff_full.json tests/data/topn/diff_top_b.json --top 3
