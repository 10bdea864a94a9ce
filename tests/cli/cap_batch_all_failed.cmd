$LS info tests/data/captures/batch_all_failed.jsonl
