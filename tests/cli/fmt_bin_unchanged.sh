#!/bin/sh
# Input files are never modified (robustness.md 8): sha256 and mtime of every
# binary sample and malformed fixture are identical after every loader has
# read them (checksums, not permissions: tests may run as root).
LS=${LS:-./logitscope}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
files="samples/*.npy samples/*.npz samples/*.safetensors samples/kld_base.bin samples/logits.raw samples/tokenizer.json samples/vocab.gguf samples/vocab.txt tests/data/bin/*"
# shellcheck disable=SC2086
sha256sum $files >"$tmp/before" || exit 1
# shellcheck disable=SC2086
stat -c '%n %Y %s' $files >"$tmp/mtime_before"
run() { "$LS" "$@" >/dev/null 2>&1; rc=$?; [ $rc -lt 64 ] || { echo "crash or internal error ($rc): $*"; exit 1; }; }
for f in $files; do
    run show "$f" --step 0
    case "$f" in
    *npy_*|*.npy) run show "$f" --format npy --step 1 ;;
    *npz_*|*.npz) run show "$f" --format npz --tensor x --step 1 ;;
    *st_*|*.safetensors) run show "$f" --format safetensors --step 2 ;;
    *kld*) run show "$f" --format kld --step 1 ;;
    *raw*|*.f32|*.bin) run show "$f" --format raw --vocab-size 4 --allow-nonfinite ;;
    *) run show samples/logits.raw --format raw --vocab-size 16 --vocab "$f" ;;
    esac
done
# shellcheck disable=SC2086
sha256sum $files >"$tmp/after"
# shellcheck disable=SC2086
stat -c '%n %Y %s' $files >"$tmp/mtime_after"
cmp -s "$tmp/before" "$tmp/after" || { echo "input files changed:"; diff "$tmp/before" "$tmp/after"; exit 1; }
cmp -s "$tmp/mtime_before" "$tmp/mtime_after" || { echo "mtimes changed:"; diff "$tmp/mtime_before" "$tmp/mtime_after"; exit 1; }
echo "ok: $(wc -l <"$tmp/before") inputs unchanged"
