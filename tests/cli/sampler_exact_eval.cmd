$LS eval tests/data/eval/two.json -n 5 --chain llama.cpp --exact
