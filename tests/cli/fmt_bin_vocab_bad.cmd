for f in tests/data/bin/gguf_*.gguf tests/data/bin/tok_*.json; do echo "== $f"; $LS show samples/logits.raw --format raw --vocab-size 4 --vocab "$f" --top all >/dev/null; echo "rc=$?"; done 2>&1
