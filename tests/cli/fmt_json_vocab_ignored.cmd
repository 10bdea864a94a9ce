$LS show samples/openai_chat.json --vocab samples/vocab.txt --top 1
