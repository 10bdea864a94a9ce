$LS train tests/data/model/small.txt
