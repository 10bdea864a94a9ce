$LS info samples/logits_f32.npy --batch-row 0
