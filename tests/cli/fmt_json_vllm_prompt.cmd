$LS show samples/vllm_prompt_logprobs.json --json
