$LS info tests/data/captures/torch_zip.pt
