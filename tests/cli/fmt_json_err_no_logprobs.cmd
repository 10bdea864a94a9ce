$LS show tests/data/json/no_logprobs.json
