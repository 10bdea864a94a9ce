$LS show samples/tokenizer.json
