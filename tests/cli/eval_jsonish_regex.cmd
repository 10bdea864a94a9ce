$LS eval tests/data/eval/jsonish.json -n 100 --regex '^\{"a":[0-9]+\}$' --json-keys a
