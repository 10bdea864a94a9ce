$LS show tests/data/json/tgi_no_details.json
