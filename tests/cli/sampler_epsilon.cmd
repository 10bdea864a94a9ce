$LS show samples/demo.json --step 5 --epsilon 0.02 --top 8
