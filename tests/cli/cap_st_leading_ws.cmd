$LS show tests/data/captures/st_leading_ws.safetensors --step 1
