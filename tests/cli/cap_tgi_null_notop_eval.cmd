$LS eval tests/data/captures/tgi_null_notop.json -n 5; $LS eval tests/data/captures/tgi_null_notop.json -n 5 --json 2>/dev/null
