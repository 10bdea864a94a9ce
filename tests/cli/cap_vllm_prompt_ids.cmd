$LS info tests/data/captures/vllm_prompt_ids.json && $LS eval tests/data/captures/vllm_prompt_ids.json | grep perplexity_raw
