$LS generate --model samples/demo.json --prompt x
