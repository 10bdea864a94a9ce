$LS show samples/openai_chat.json --step 2
