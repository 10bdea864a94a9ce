$LS show tests/data/captures/tgi_null_notop.json --step 1
