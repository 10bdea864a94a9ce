$LS sample samples/demo.json --all --seed 3 --temperature 0.7 --json
