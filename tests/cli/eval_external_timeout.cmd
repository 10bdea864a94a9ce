$LS eval tests/data/eval/jsonish.json -n 4 --evaluator slow='sh tests/data/eval/score.sh sleep' --evaluator-timeout 0.2
