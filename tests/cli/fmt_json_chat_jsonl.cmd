$LS show samples/openai_chat.jsonl --step 2 --json
