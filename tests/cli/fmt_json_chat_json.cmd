$LS show samples/openai_chat.json --json --top 2
