$LS train tests/data/model/small.txt -o /tmp/ls_never --vocab-size 320 --order 3 --json | sed "s|/tmp/ls_never|OUT|"; rm -f /tmp/ls_never
