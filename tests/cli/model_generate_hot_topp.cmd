$LS generate --model samples/model.lsm --prompt '{"name": "' -n 3 -t 3 --top-p 0.9
