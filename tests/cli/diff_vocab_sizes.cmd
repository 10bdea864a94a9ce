$LS diff tests/data/eval/diff_a.json tests/data/eval/diff_v4.json --top 1
