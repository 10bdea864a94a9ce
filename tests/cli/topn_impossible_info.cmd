$LS info tests/data/topn/impossible.json
