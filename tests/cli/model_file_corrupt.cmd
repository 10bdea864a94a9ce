$LS generate --model tests/data/model/corrupt.lsm --prompt x
