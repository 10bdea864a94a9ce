$LS eval --model tests/data/model/small.lsm --prompt '{"name": "' -n 5 --max-tokens 12 --json
