$LS eval tests/data/eval/jsonish.json --regex '('
