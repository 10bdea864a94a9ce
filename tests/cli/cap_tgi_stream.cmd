$LS info tests/data/captures/tgi_stream.txt
