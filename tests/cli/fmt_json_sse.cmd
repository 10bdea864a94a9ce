$LS show tests/data/json/sse.txt --json
