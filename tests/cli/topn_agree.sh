#!/bin/sh
# issue 12 section 1: info, show, eval and the explorer agree on every sample
# in samples/ about the unknown tail, post-sampling, and what is exact.
#   - tail: info's per-step tail_mass == show's tail_mass == the explorer's
#     (its :export of every step equals show --json --top all byte for byte)
#   - post-sampling: info "sampling" == show "post_sampling" == eval's
#   - exact: show's "exact" at every step (defaults) <=> eval's bounded count 0,
#     and under top-k 50 (beyond the listed tokens) show and eval both say bounded
# Run from the repository root with $LS set (tests/cli/run.sh does).
LS=${LS:-./logitscope}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color LOGITSCOPE_NO_HISTORY=1 HOME="$tmp" LINES=30 COLUMNS=100
fail=0
for f in samples/*.json samples/*.jsonl; do
    "$LS" info "$f" --json >"$tmp/info.json" 2>/dev/null || continue
    steps=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["steps"])' "$tmp/info.json")
    : >"$tmp/script"
    i=0
    while [ "$i" -lt "$steps" ] && [ "$i" -lt 8 ]; do
        "$LS" show "$f" --step "$i" --json --top all >"$tmp/show$i.json" 2>/dev/null
        "$LS" show "$f" --step "$i" --json --top all --top-k 50 >"$tmp/showk$i.json" 2>/dev/null
        # export! : the files of the previous input are replaced (a plain :export refuses)
        printf ':step %s\n:export! %s/ex%s.json all\n' "$i" "$tmp" "$i" >>"$tmp/script"
        i=$((i + 1))
    done
    timeout 30 "$LS" "$f" --script "$tmp/script" >/dev/null 2>&1 || { echo "FAIL: $f: explorer script"; fail=1; }
    "$LS" eval "$f" -n 2 --json >"$tmp/eval.json" 2>/dev/null
    "$LS" eval "$f" -n 2 --json --top-k 50 >"$tmp/evalk.json" 2>/dev/null
    python3 - "$f" "$tmp" "$i" <<'PY' || fail=1
import json, sys
f, tmp, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
load = lambda p: json.load(open(p))
info, ev, evk = load(tmp + "/info.json"), load(tmp + "/eval.json"), load(tmp + "/evalk.json")
bad = []
post = info["sampling"] == "post"
if ev["post_sampling"] != post: bad.append("eval post_sampling %s, info %s" % (ev["post_sampling"], info["sampling"]))
all_exact, any_bounded_k = True, False
for i in range(n):
    sh, shk = load("%s/show%d.json" % (tmp, i)), load("%s/showk%d.json" % (tmp, i))
    if open("%s/show%d.json" % (tmp, i)).read() != open("%s/ex%d.json" % (tmp, i)).read():
        bad.append("step %d: explorer export differs from show" % i)
    if sh.get("post_sampling", False) != post: bad.append("step %d: show post_sampling" % i)
    it = info["tokens"][i]
    if info["sparse"]:
        if abs(sh["tail_mass"] - it["tail_mass"]) > 1e-12: bad.append("step %d: tail %r vs info %r" % (i, sh["tail_mass"], it["tail_mass"]))
        if sh["tail"]["p_raw"] != sh["tail_mass"]: bad.append("step %d: tail row" % i)
        if any(t.get("cut_by") == "masked" for t in sh["tokens"]): bad.append("step %d: a listed token masked" % i)
        if len(sh["tokens"]) != it["known"]: bad.append("step %d: %d rows, info %d known" % (i, len(sh["tokens"]), it["known"]))
    elif "tail_mass" in sh: bad.append("step %d: tail on a full vocabulary" % i)
    all_exact &= sh["exact"]
    any_bounded_k |= not shk["exact"]
if n == info["steps"]:
    if all_exact != (ev.get("topn_bounded_steps", 0) == 0): bad.append("eval bounded %r, show exact %r" % (ev.get("topn_bounded_steps", 0), all_exact))
    if any_bounded_k != (evk.get("topn_bounded_steps", 0) > 0): bad.append("top-k 50: eval bounded %r, show %r" % (evk.get("topn_bounded_steps", 0), any_bounded_k))
if info["sparse"] and ev.get("topn_steps", 0) == 0: bad.append("eval counts no top-N step")
for b in bad: print("FAIL: %s: %s" % (f, b))
sys.exit(1 if bad else 0)
PY
done
exit $fail
