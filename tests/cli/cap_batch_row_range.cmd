$LS info tests/data/captures/batch_2x3x5.npy --batch-row 2
