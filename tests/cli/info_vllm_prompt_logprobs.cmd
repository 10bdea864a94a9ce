$LS info samples/vllm_prompt_logprobs.json
