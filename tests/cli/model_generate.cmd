$LS generate --model samples/model.lsm --prompt '{"name": "' -n 3 -t 0.8
