$LS info tests/data/json/u0000.json --json
