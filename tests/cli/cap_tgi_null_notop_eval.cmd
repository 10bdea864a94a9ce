$LS eval tests/data/captures/tgi_null_notop.json -n 5
