r() { echo "== $*"; $LS show --top 2 "$@" >/dev/null; echo "rc=$?"; }
{ r samples/logits.raw --format raw
  r samples/logits.raw --format raw --vocab-size 5
  r samples/logits.raw --format raw --vocab-size 16 --dtype int8
  r tests/data/bin/empty.bin --format raw --vocab-size 4
  r tests/data/bin/raw_odd.f32 --format raw --vocab-size 2
  r tests/data/bin/raw_nonfinite.f32 --format raw --vocab-size 4
  r tests/data/bin/raw_nonfinite.f32 --format raw --vocab-size 4 --step 1
  r /dev/zero --format raw --vocab-size 4
  r tests/data/bin/does-not-exist.f32 --format raw --vocab-size 4
  r tests/data/bin --format raw --vocab-size 4
  r tests/data/bin/npy_vec.npy --format kld
  r tests/data/bin/npy_vec.npy --format safetensors; } 2>&1
echo "== NaN/inf shown with --allow-nonfinite"; $LS show tests/data/bin/raw_nonfinite.f32 --format raw --vocab-size 4 --allow-nonfinite --top all --json 2>&1 | grep -E '"(id|logit)"'
