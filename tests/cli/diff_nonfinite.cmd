$LS diff tests/data/eval/diff_2steps.json tests/data/eval/clip.json
