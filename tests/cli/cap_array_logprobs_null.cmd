$LS info tests/data/captures/array_logprobs_null.json
