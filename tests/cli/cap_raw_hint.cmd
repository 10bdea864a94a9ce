$LS info tests/data/captures/raw_noheader.f32; $LS show tests/data/captures/raw_noheader.f32 --format raw --vocab-size 6 --step 1 --top 2
