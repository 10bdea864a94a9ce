$LS sweep tests/data/eval/jsonish.json -t0,1 -p0.5,1 -n 10 --json | grep -E '"(varied|temperature|top_p)"'
