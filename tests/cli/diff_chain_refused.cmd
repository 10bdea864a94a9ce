$LS diff tests/data/eval/diff_a.json tests/data/eval/diff_b.json --temperature 0.5
