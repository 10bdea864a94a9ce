$LS show samples/logits_f16_fortran.npy --step 0 --top 5
