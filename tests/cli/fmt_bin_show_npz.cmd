$LS show samples/logits.npz --step 2 --top 5 --temperature 0.7 --top-k 3
