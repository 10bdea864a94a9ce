$LS show samples/openai_chat.json --format tgi
