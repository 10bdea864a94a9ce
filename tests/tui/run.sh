#!/bin/sh
# tests/tui/run.sh: the explorer's tests (make tui-test; part of make check).
#
# 1. Scripted screens (tig's model): each tests/tui/NAME.script runs the real
#    binary with --script (keys and ':' commands, no terminal: ncurses draws
#    on /dev/null at the size in the header) and writes screen dumps with
#    :dump-screen @OUT@/X.screen; every dump must equal tests/tui/expected/X.screen.
#    Headers: "# args: ...", "# size: WxH", "# env: VAR=value".
#    UPDATE=1 rewrites the expected screens (review the diff!).
# 2. :export writes exactly what `show --json --top all` prints.
# 3. Refusals: no terminal, unknown/dumb TERM, bad options: exit 2 with a message.
# 4. The real binary in tmux (tmux.sh): keys, help, command line, resize,
#    signals, suspend, crash, and the raw byte audit of hostile tokens.
# Every run is bounded by a timeout; nothing sleeps for a fixed time.
LS=${1:-./logitscope}
case "$LS" in /*) ;; *) LS="$(pwd)/$LS" ;; esac
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/out" "$tmp/home"
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC INPUTRC=/dev/null HOME="$tmp/home" \
       XDG_STATE_HOME="$tmp/state" LOGITSCOPE_NO_HISTORY=1 TERM=xterm-256color
unset NO_COLOR LOGITSCOPE_SCRIPT LOGITSCOPE_NO_DISPLAY LOGITSCOPE_DEMO LINES COLUMNS
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }

# --- 1. scripted screens -------------------------------------------------
# Big inputs are generated here, not stored: @DATA@ in a script's args is
# this folder. v262144.f32: raw float32 logits 4, 3, 2, 1, then 262140 zeros
# (one step at V = 262144, a Gemma-sized vocabulary).
mkdir -p "$tmp/data"
{ printf '\000\000\200\100\000\000\100\100\000\000\000\100\000\000\200\077'
  head -c $((4 * 262140)) /dev/zero; } > "$tmp/data/v262144.f32"
for s in tests/tui/*.script; do
    name=$(basename "$s" .script)
    args=$(sed -n 's/^# args: //p' "$s" | sed "s|@DATA@|$tmp/data|g")
    size=$(sed -n 's/^# size: //p' "$s"); size=${size:-80x24}
    envs=$(sed -n 's/^# env: //p' "$s")
    sed "s|@OUT@|$tmp/out|g" "$s" > "$tmp/$name.script"
    # shellcheck disable=SC2086
    env $envs LINES="${size#*x}" COLUMNS="${size%x*}" timeout 30 "$LS" $args --script "$tmp/$name.script" \
        >"$tmp/$name.stdout" 2>"$tmp/$name.stderr"
    rc=$?
    if [ $rc != 0 ]; then bad "$name: exit $rc"; cat "$tmp/$name.stderr"; continue; fi
    # the explorer writes nothing outside ncurses' output (here /dev/null)
    if [ -s "$tmp/$name.stdout" ]; then bad "$name: wrote to stdout"; continue; fi
    ok
done
if [ "$UPDATE" = 1 ]; then cp "$tmp"/out/*.screen tests/tui/expected/; fi
for e in tests/tui/expected/*.screen; do
    [ -e "$e" ] || continue
    got="$tmp/out/$(basename "$e")"
    if [ ! -f "$got" ]; then bad "$(basename "$e"): not produced"; continue; fi
    if cmp -s "$e" "$got"; then ok; else bad "$(basename "$e") differs"; diff -u "$e" "$got" | head -40; fi
done
for g in "$tmp"/out/*.screen; do
    [ -f "tests/tui/expected/$(basename "$g")" ] || bad "$(basename "$g"): no expected screen (UPDATE=1)"
done

# --- 2. export = show --json ------------------------------------------------
"$LS" show tests/tui/data/small.json --step 9 --defaults llama.cpp --chain top-k,temperature --seed 7 \
    --json --top all >"$tmp/show.json" 2>&1
if cmp -s "$tmp/show.json" "$tmp/out/export.json"; then ok; else bad ":export differs from show --json"; diff -u "$tmp/show.json" "$tmp/out/export.json" | head -20; fi

# --- 2b. :w / :dump-screen never replace the open file, nor an existing one unless forced ---
x="$tmp/exp"; mkdir -p "$x"
cp samples/logits_f32.npy "$x/in.npy"; chmod 640 "$x/in.npy"; ln -s in.npy "$x/link.npy"
echo old > "$x/other.json"; chmod 604 "$x/other.json"
before=$(cd "$x" && sha256sum in.npy; stat -c '%i %a' in.npy other.json)
cat > "$x/s.script" <<'EOS'
:w in.npy
:dump-screen d1.screen
:w! in.npy
:dump-screen d2.screen
:export! link.npy
:dump-screen d3.screen
:dump-screen! in.npy
:dump-screen d3b.screen
:w other.json
:dump-screen d4.screen
:w! other.json
:dump-screen d5.screen
:dump-screen d5.screen
:dump-screen d6.screen
:w new.json
EOS
(cd "$x" && umask 027 && LINES=24 COLUMNS=100 timeout 30 "$LS" in.npy --script s.script) >/dev/null 2>&1; rc=$?
after=$(cd "$x" && sha256sum in.npy; stat -c '%i %a' in.npy other.json)
ino_other=$(echo "$before" | sed -n 3p | cut -d' ' -f1)
want_after=$(echo "$before" | sed 3d; echo "$(stat -c %i "$x/other.json") 604")
if [ $rc = 0 ] && [ "$after" = "$want_after" ] && [ "$(stat -c %i "$x/other.json")" != "$ino_other" ]; then ok; else bad ":w onto the open file or :w! kept no mode: rc $rc"; echo "$before"; echo "$after"; fi
chk_line() { # screen, expected last line
    if [ "$(tail -1 "$x/$1")" = "$2" ]; then ok; else bad "$1: got '$(tail -1 "$x/$1")', want '$2'"; fi
}
chk_line d1.screen "export: in.npy is the open file; never overwritten"
chk_line d2.screen "export: in.npy is the open file; never overwritten"
chk_line d3.screen "export: link.npy is the open file; never overwritten"
chk_line d3b.screen "dump-screen: in.npy is the open file; never overwritten"
chk_line d4.screen "export: other.json exists; not overwritten (:export! other.json overwrites it)"
chk_line d5.screen "exported step 0 to other.json (replaced the file)"
chk_line d6.screen "dump-screen: d5.screen exists; not overwritten (:dump-screen! d5.screen overwrites it)"
grep -q '"format":	"npy"' "$x/other.json" && ok || bad ":w! other.json did not write the export"
[ "$(stat -c %a "$x/new.json")" = 640 ] && ok || bad "new file mode $(stat -c %a "$x/new.json"), want 640 (umask 027)"
[ -z "$(ls "$x" | grep tmp)" ] && ok || bad "temporary files left: $(ls "$x")"
# the comparison's file (--compare, :compare) is open too
cp samples/logits_f32.npy "$x/cmp.npy"
printf ':w! cmp.npy\n:dump-screen d7.screen\n' > "$x/s2.script"
printf ':compare cmp.npy\n:w! cmp.npy\n:dump-screen d8.screen\n' > "$x/s3.script"
(cd "$x" && LINES=24 COLUMNS=100 timeout 30 "$LS" in.npy --compare cmp.npy --script s2.script) >/dev/null 2>&1
(cd "$x" && LINES=24 COLUMNS=100 timeout 30 "$LS" in.npy --script s3.script) >/dev/null 2>&1
chk_line d7.screen "export: cmp.npy is the open file; never overwritten"
chk_line d8.screen "export: cmp.npy is the open file; never overwritten"
cmp -s samples/logits_f32.npy "$x/cmp.npy" && cmp -s samples/logits_f32.npy "$x/in.npy" && ok || bad "a compared file was overwritten"
# the vocabulary file (--vocab, :open --vocab) is open too, also through a link
cp samples/vocab.txt "$x/voc.txt"; chmod 640 "$x/voc.txt"; ln -s voc.txt "$x/voclink.txt"
vbefore=$(cd "$x" && sha256sum voc.txt; stat -c '%i %a' voc.txt)
printf ':w! voc.txt\n:dump-screen d9.screen\n:dump-screen! voclink.txt\n:dump-screen d10.screen\n' > "$x/s4.script"
printf ':open --vocab voc.txt in.npy\n:export! voclink.txt\n:dump-screen d11.screen\n' > "$x/s5.script"
(cd "$x" && LINES=24 COLUMNS=100 timeout 30 "$LS" in.npy --vocab voc.txt --script s4.script) >/dev/null 2>&1
(cd "$x" && LINES=24 COLUMNS=100 timeout 30 "$LS" in.npy --script s5.script) >/dev/null 2>&1
chk_line d9.screen "export: voc.txt is the open file; never overwritten"
chk_line d10.screen "dump-screen: voclink.txt is the open file; never overwritten"
chk_line d11.screen "export: voclink.txt is the open file; never overwritten"
[ "$(cd "$x" && sha256sum voc.txt; stat -c '%i %a' voc.txt)" = "$vbefore" ] && ok || bad "the --vocab file was overwritten"

# --- 3. refusals -------------------------------------------------------------
expect_refusal() { # what, expected rc, message pattern, command...
    what=$1; want=$2; pat=$3; shift 3
    "$@" >"$tmp/r.out" 2>"$tmp/r.err" </dev/null; rc=$?
    if [ $rc = "$want" ] && grep -q "$pat" "$tmp/r.err"; then ok; else bad "$what: rc $rc"; cat "$tmp/r.err"; fi
}
expect_refusal "no terminal" 2 "needs a terminal" timeout 10 "$LS" tests/tui/data/small.json
expect_refusal "bad option" 2 "unknown option" timeout 10 "$LS" --bogus
expect_refusal "missing file" 3 "cannot open" timeout 10 "$LS" /nonexistent/x.json
# --script FILE: the path is escaped like every other file name (no raw ESC/BEL), exit 3
timeout 10 "$LS" tests/tui/data/small.json --script "$(printf '/nonexistent/x\033]0;pwn\007.txt')" >"$tmp/r.out" 2>"$tmp/r.err"; rc=$?
want='logitscope: script /nonexistent/x\e]0;pwn\x07.txt: cannot open: No such file or directory'
if [ $rc = 3 ] && [ "$(cat "$tmp/r.err")" = "$want" ]; then ok; else bad "--script bad path: rc $rc"; cat -v "$tmp/r.err"; fi
if command -v script >/dev/null 2>&1; then
    # a real pty, but a terminal type ncurses cannot use
    TERM=nonexistent-term timeout 10 script -qec "$LS tests/tui/data/small.json" /dev/null >"$tmp/t.out" 2>&1; rc=$?
    if [ $rc = 2 ] && grep -q "unknown terminal type" "$tmp/t.out"; then ok; else bad "unknown TERM: rc $rc"; cat "$tmp/t.out"; fi
    env -u TERM timeout 10 script -qec "env -u TERM $LS tests/tui/data/small.json" /dev/null >"$tmp/t.out" 2>&1; rc=$?
    if [ $rc = 2 ] && grep -q "TERM is not set" "$tmp/t.out"; then ok; else bad "TERM unset: rc $rc"; cat "$tmp/t.out"; fi
    TERM=dumb timeout 10 script -qec "$LS tests/tui/data/small.json" /dev/null >"$tmp/t.out" 2>&1; rc=$?
    if [ $rc = 2 ] && grep -q "cannot position the cursor" "$tmp/t.out"; then ok; else bad "TERM=dumb: rc $rc"; cat "$tmp/t.out"; fi
fi
"$LS" --help-keys=md >"$tmp/k.md" && grep -q '^| `q` `<F10>` | quit |' "$tmp/k.md" && ok || bad "--help-keys=md"

# --- 4. tmux ------------------------------------------------------------------
if command -v tmux >/dev/null 2>&1; then
    if sh tests/tui/tmux.sh "$LS" "$tmp"; then ok; else bad "tmux tests"; fi
else
    echo "tui-test: tmux not installed, real-terminal tests skipped"
fi

echo "tui tests: $pass passed, $fail failed"
[ $fail = 0 ]
