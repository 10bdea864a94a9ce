$LS sweep tests/data/eval/jsonish.json -n 50 --top-p 0.4,0.6,1.0 --json | grep -E '"(varied|temperature|top_p|json_valid_share)"'
