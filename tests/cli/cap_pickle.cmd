$LS info tests/data/captures/plain.pkl
