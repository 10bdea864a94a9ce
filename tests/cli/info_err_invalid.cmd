$LS info tests/data/json/wrong_type.json
