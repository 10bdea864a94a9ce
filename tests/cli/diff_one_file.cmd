$LS diff tests/data/eval/diff_a.json
