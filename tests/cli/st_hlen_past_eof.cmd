$LS info tests/data/bin/st_hlen_eof.safetensors
