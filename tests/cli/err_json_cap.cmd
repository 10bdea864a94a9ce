$LS show samples/demo.json --max-json-size 1000
