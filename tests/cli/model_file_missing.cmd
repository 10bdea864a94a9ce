$LS generate --model tests/data/model/missing.lsm --prompt x
