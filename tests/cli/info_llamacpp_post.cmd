$LS info samples/llamacpp_post.json
