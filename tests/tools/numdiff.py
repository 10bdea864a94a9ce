#!/usr/bin/env python3
"""numdiff.py OLD NEW [REL]: compare two text outputs token by token, where
numbers may differ by at most REL relative (default 1e-12) and everything
else must be identical. Used to show that a change of arithmetic (issue 9's
vector exp and sums) changed no result beyond the last digits of a double.
Prints the largest relative difference seen; exit 1 on any other change."""
import re, sys

NUM = re.compile(r'-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?')

def split(text):
    out, pos = [], 0
    for m in NUM.finditer(text):
        out.append(('t', text[pos:m.start()]))
        out.append(('n', m.group()))
        pos = m.end()
    out.append(('t', text[pos:]))
    return out

def main():
    old, new = open(sys.argv[1]).read(), open(sys.argv[2]).read()
    rel = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-12
    a, b = split(old), split(new)
    if len(a) != len(b):
        print(f"{sys.argv[2]}: different shape"); return 1
    worst = 0.0
    for (ka, va), (kb, vb) in zip(a, b):
        if ka != kb or (ka == 't' and va != vb):
            print(f"{sys.argv[2]}: text differs: {va!r} vs {vb!r}"); return 1
        if ka == 'n' and va != vb:
            x, y = float(va), float(vb)
            d = abs(x - y) / max(abs(x), abs(y), 1e-300)
            worst = max(worst, d)
            if d > rel:
                print(f"{sys.argv[2]}: {va} vs {vb} (relative {d:.3g})"); return 1
    print(f"{sys.argv[2]}: same within {worst:.3g} relative")
    return 0

sys.exit(main())
