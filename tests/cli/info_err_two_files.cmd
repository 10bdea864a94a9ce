$LS info samples/tgi.json samples/llamacpp.json
