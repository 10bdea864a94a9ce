$LS show tests/data/native/nan.json --allow-nonfinite --json
