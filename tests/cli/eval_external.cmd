$LS eval tests/data/eval/jsonish.json -n 4 -t 0 --evaluator bytes='sh tests/data/eval/score.sh' --evaluator idx='sh tests/data/eval/score.sh index'
