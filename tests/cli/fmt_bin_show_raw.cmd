$LS show samples/logits.raw --format raw --vocab-size 16 --step 1 --vocab samples/tokenizer.json --top 6
