#!/bin/sh
# tests/tools/docs_check.sh LS: the key tables in README.md and the man page
# must be exactly what the binary's action table says (tui/actions.def), and
# README's command table what its command table says (explorer_commands):
#   README.md          between <!-- keys:begin --> and <!-- keys:end -->
#                      = `LS --help-keys=md`
#   README.md          between <!-- commands:begin --> and <!-- commands:end -->
#                      = `LS --help-commands=md`
#   docs/logitscope.1  between .\" keys:begin and .\" keys:end
#                      = `LS --help-keys=man`
# UPDATE=1 rewrites both regions from the binary (then review the diff).
# Also: the man page's COMMANDS section names every command of the table,
# and the man page renders without groff warnings, when man is installed.
LS=${1:-./logitscope}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

# region FILE BEGIN END: the lines strictly between the marker lines
# (markers travel through the environment: awk -v would eat the backslash of .\")
region() { MB=$2 ME=$3 awk 'index($0, ENVIRON["ME"]) == 1 { on = 0 } on { print } index($0, ENVIRON["MB"]) == 1 { on = 1 }' "$1"; }
# replace FILE BEGIN END NEWFILE
replace() {
    MB=$2 ME=$3 MF=$4 awk '
        index($0, ENVIRON["ME"]) == 1 { on = 0 }
        !on { print }
        index($0, ENVIRON["MB"]) == 1 { on = 1; while ((getline l < ENVIRON["MF"]) > 0) print l }' "$1" > "$tmp/new" && cat "$tmp/new" > "$1"
}

check() { # file begin end format [option]
    opt=${5:---help-keys}
    "$LS" "$opt=$4" > "$tmp/want" || { echo "docs-check: $LS $opt=$4 failed"; fail=1; return; }
    grep -qF -- "$2" "$1" || { echo "docs-check: $1 has no '$2' marker"; fail=1; return; }
    if [ "$UPDATE" = 1 ]; then replace "$1" "$2" "$3" "$tmp/want"; fi
    region "$1" "$2" "$3" > "$tmp/have"
    if ! cmp -s "$tmp/want" "$tmp/have"; then
        echo "docs-check: the table in $1 differs from \`logitscope $opt=$4\`"
        echo "            (run UPDATE=1 sh tests/tools/docs_check.sh ./logitscope):"
        diff -u "$tmp/have" "$tmp/want" | head -30
        fail=1
    fi
}
check README.md '<!-- keys:begin -->' '<!-- keys:end -->' md
check README.md '<!-- commands:begin -->' '<!-- commands:end -->' md --help-commands
check docs/logitscope.1 '.\" keys:begin' '.\" keys:end' man

# The man page's COMMANDS section is prose; each command of the table
# (`--help-commands`, first word of each line) must head an entry there
# (a .B/.BI/.BR line naming it).
awk '/^\.SH COMMANDS/ { on = 1; next } /^\.SH / { on = 0 } on && /^\.B/' docs/logitscope.1 > "$tmp/mancmds"
for c in $("$LS" --help-commands | awk '{ print $1 }'); do
    grep -qw -- "$c" "$tmp/mancmds" || { echo "docs-check: docs/logitscope.1 COMMANDS does not mention '$c'"; fail=1; }
done

if command -v man >/dev/null 2>&1 && command -v groff >/dev/null 2>&1; then
    LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l docs/logitscope.1 >/dev/null 2>"$tmp/warn"
    if [ -s "$tmp/warn" ]; then echo "docs-check: man page warnings:"; cat "$tmp/warn"; fail=1; fi
fi
[ $fail = 0 ] && echo "ok: docs (README key and command tables and the man key table match the binary)"
exit $fail
