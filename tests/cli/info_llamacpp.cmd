$LS info samples/llamacpp.json
