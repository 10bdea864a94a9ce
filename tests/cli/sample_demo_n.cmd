$LS sample samples/demo.json --step 5 -n 10 --seed 7
