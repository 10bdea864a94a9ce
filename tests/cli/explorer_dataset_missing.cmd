$LS --dataset /nonexistent/x.jsonl --b samples/dataset/b.jsonl </dev/null
