$LS diff tests/data/eval/diff_a.json tests/data/eval/diff_c.json
