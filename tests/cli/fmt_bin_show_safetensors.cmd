$LS show samples/logits.safetensors --tensor logits_bf16 --top 4
