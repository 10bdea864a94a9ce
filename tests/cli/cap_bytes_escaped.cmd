$LS info tests/data/captures/openai_bytes_escaped.json && $LS eval tests/data/captures/openai_bytes_escaped.json | grep bits_per_byte
