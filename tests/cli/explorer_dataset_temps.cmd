$LS --dataset samples/dataset/a.jsonl --temperatures 0,x </dev/null
