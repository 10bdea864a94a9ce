$LS dump --model tests/data/model/small.lsm --prompt "The"
