for f in tests/data/bin/kld_*.bin; do echo "== $f"; $LS show --format kld "$f" --top 2 >/dev/null; echo "rc=$?"; done 2>&1
