$LS sweep tests/data/eval/jsonish.json -n 50 --temperatures 0.5,1 --min-ps 0.1,0.5 --json | grep -E '"(varied|temperature|min_p)"'
