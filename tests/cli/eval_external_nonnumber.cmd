$LS eval tests/data/eval/jsonish.json -n 4 --evaluator w='sh tests/data/eval/score.sh word'
