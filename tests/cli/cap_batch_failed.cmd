$LS info tests/data/captures/batch_failed.jsonl
