#!/bin/sh
# Test external evaluator: prints the number of bytes on stdin, or misbehaves
# on request: score.sh word (prints a word), score.sh sleep (sleeps 30 s),
# score.sh fail (exits 3), score.sh index (prints $LOGITSCOPE_SAMPLE).
case "$1" in
word) cat >/dev/null; echo hello ;;
sleep) sleep 30; echo 1 ;;
fail) cat >/dev/null; exit 3 ;;
index) cat >/dev/null; echo "$LOGITSCOPE_SAMPLE" ;;
*) wc -c | tr -d ' ' ;;
esac
