$LS eval tests/data/eval/jsonish.json -n 4 --evaluator f='sh tests/data/eval/score.sh fail'
