$LS sweep samples/demo.json --defaults llama.cpp --temperatures 0.7,1 --logit-bias 257=-5 -n 4
