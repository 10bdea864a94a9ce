$LS show tests/data/topn/newline_chat.json --step 1 --json
