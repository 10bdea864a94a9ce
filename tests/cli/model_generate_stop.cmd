$LS generate --model samples/model.lsm --prompt '{"name": "' -n 2 --stop '", "born'
