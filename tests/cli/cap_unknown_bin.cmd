$LS info tests/data/captures/unknown.bin
