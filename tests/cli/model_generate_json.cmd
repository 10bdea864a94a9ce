$LS generate --model tests/data/model/small.lsm --prompt "The old" -n 2 --max-tokens 8 --json
