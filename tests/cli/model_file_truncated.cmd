$LS generate --model tests/data/model/truncated.lsm --prompt x
