$LS show samples/openai_chat.json --max-json-size 100
