$LS show samples/llamacpp_post.json --json
