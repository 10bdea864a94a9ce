$LS train tests/data/model/small.txt -o /tmp/ls_never_written.lsm --order 9
