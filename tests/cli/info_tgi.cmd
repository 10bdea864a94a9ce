$LS info samples/tgi.json
