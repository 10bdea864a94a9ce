$LS eval samples/logits_f32.npy -n 2 | grep "^nll_"
