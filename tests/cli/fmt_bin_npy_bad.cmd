for f in tests/data/bin/empty.bin tests/data/bin/npy_*.npy; do echo "== $f"; $LS show --format npy "$f" --top 2 >/dev/null; echo "rc=$?"; done 2>&1
