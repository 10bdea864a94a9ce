$LS show tests/data/json/truncated.json
