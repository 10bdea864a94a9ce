$LS show --format tgi tests/data/captures/tgi_stream.txt --step 2 --top 2
