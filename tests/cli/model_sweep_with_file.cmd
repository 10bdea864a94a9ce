$LS sweep --model tests/data/model/small.lsm samples/demo.json
