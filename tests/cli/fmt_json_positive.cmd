$LS info tests/data/json/positive.json
