$LS shwo samples/demo.json
