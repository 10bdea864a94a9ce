$LS eval --model samples/model.lsm --prompt '{"name": "' -n 40 -t 1.2
