$LS info samples/llamacpp_old.json
