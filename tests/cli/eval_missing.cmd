$LS eval tests/data/eval/does_not_exist.json
