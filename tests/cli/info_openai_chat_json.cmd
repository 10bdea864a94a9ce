$LS info samples/openai_chat.json --json
