$LS info tests/data/json/hostile.json --json
