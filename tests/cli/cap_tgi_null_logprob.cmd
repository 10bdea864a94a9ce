$LS show tests/data/captures/tgi_null_logprob.json --step 1 --top 3
