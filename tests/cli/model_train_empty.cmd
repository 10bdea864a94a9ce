$LS train tests/data/model/empty.txt -o /tmp/ls_never_written.lsm
