$LS generate --model tests/data/model/small.lsm --prompt "$(head -c 70000 /dev/zero | tr '\0' a)"
