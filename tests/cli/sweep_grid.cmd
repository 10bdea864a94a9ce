$LS sweep tests/data/eval/jsonish.json -n 50 --grid --temperatures 0.5,1 --top-ks 1,2
