$LS sample samples/tgi.json -n 5 --seed 9
