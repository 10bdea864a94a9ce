$LS info tests/data/captures/vllm_chat_prompt_ids.json
