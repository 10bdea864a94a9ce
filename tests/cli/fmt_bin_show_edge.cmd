$LS show tests/data/bin/npz_fortran_deflated.npz --step 1 --top all --json | grep -E "\"(id|logit)\""; $LS show tests/data/bin/kld_odd_vocab.bin --step 2 --top all --json | grep -E "\"(id|logit)\""
