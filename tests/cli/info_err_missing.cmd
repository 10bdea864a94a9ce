$LS info tests/data/json/does-not-exist.json
