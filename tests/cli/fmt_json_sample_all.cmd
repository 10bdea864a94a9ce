$LS sample samples/openai_chat.json --all --seed 5 --json
