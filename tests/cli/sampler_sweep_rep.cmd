$LS sweep samples/demo.json -n 20 --repeat-penalty 1,1.3 | head -14
