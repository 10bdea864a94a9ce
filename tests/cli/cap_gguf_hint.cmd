$LS show samples/vocab.gguf
