$LS show samples/kld_base.bin --step 4 --vocab samples/vocab.gguf --top 5
