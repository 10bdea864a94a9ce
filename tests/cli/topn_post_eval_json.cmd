$LS eval samples/llamacpp_post.json -n 2 --json | grep -n -e post_sampling -e topn -e approximate
