$LS info tests/data/bin/npy_v_limit_short.npy
