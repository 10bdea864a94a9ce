$LS diff samples/llamacpp_post.json samples/llamacpp_post.json
