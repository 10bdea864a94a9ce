$LS eval samples/llamacpp_post.json -n 2
