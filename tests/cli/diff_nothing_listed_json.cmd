$LS diff tests/data/captures/tgi_null_notop.json tests/data/captures/tgi_null_notop.json --json
