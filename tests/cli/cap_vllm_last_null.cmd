$LS info tests/data/captures/vllm_last_null.json
