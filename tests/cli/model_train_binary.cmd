$LS train tests/data/model/binary.bin -o /tmp/ls_never_written.lsm
