$LS show samples/logits.npz --tensor probs --step 1 --top 3
