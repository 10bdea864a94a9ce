$LS sample samples/demo.json --step 20 -n 5
