$LS info tests/data/captures/llamacpp_stream_gap.txt
