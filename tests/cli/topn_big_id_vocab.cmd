$LS show tests/data/topn/llamacpp_big_id.json --vocab samples/vocab.txt --step 0 --top 1
