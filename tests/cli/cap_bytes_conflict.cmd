$LS info tests/data/captures/llamacpp_bytes_conflict.json
