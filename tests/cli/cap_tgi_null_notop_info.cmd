$LS info tests/data/captures/tgi_null_notop.json; $LS sample tests/data/captures/tgi_null_notop.json --all
