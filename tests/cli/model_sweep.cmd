$LS sweep --model samples/model.lsm --prompt '{"name": "' -n 40 --temperatures 0,0.7,1.5
