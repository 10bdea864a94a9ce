$LS show samples/llamacpp.json --vocab samples/vocab.txt --top 1
