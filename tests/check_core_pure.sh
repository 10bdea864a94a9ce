#!/bin/sh
# The core/ boundary: nothing under core/ may include curses or readline.
# core/ is also compiled without their include flags and unit tests link
# without -lncursesw/-lreadline, so a slip fails at build time as well.
bad=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"][^>"]*(curses|readline|history\.h|term\.h)' core/*.c core/*.h 2>/dev/null)
if [ -n "$bad" ]; then
    echo "FAIL: core/ must not include curses or readline:"; echo "$bad"; exit 1
fi
# self-test: the pattern must catch a real include line
printf '#include <ncurses.h>\n' | grep -qE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"][^>"]*(curses|readline)' || { echo "FAIL: boundary check pattern broken"; exit 1; }
echo "ok: core/ boundary (no curses/readline includes)"
