$LS show samples/logits_be_f64.npy --step 0 --top 4 --json
