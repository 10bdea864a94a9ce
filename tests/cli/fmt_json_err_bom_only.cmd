$LS show tests/data/json/bom_only.json
