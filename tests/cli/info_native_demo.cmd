$LS info samples/demo.json --top 3
