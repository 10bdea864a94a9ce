$LS show tests/data
