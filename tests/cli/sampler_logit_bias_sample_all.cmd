$LS sample samples/demo.json --all --defaults llama.cpp --logit-bias 6=false --seed 3
