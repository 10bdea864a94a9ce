$LS show samples/logits_bf16.npy --step 0 --top 5 --json
