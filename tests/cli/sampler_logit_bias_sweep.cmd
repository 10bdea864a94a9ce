$LS sweep samples/demo.json --defaults llama.cpp --temperatures 0.7,1 --logit-bias 6=-5 -n 4
