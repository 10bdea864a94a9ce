$LS show tests/data/captures/batch_2x3x5.npy --batch-row 1 --step 2 --top 2
