$LS sample samples/demo.json --all --defaults llama.cpp --logit-bias 258=false --seed 3
