$LS info samples/tgi.json --json
