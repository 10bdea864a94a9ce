$LS info tests/data/captures/torch_legacy.pt
