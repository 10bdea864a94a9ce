$LS show samples/logits_f32.npy --step 1 --top 5
