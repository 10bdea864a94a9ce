$LS sweep samples/llamacpp_post.json --temperature 0.5,1 -n 2
