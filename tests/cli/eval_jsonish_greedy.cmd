$LS eval tests/data/eval/jsonish.json -n 100 --temperature 0 --json | grep -E '"(json_valid_share|json_valid_ci|json_keys_share|regex_match_share|distinct_1|recorded_agreement|approximate|seed|n)"'
