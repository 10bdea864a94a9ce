$LS diff tests/data/topn/paris_legacy.json tests/data/topn/paris_legacy_b.json
