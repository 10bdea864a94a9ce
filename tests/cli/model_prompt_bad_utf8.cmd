$LS generate --model tests/data/model/small.lsm --prompt "$(printf 'caf\351')"
