$LS info samples/openai_chat.jsonl
