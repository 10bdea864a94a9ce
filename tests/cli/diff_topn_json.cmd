$LS diff tests/data/topn/diff_top_a.json tests/data/topn/diff_top_b.json --json
