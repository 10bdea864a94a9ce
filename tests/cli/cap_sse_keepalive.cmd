$LS info tests/data/captures/sse_keepalive.txt
