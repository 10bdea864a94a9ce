#!/usr/bin/env python3
"""check_cycles.py BUILD_DIR: no call cycles between core/ object files.

Reads the defined and undefined symbols of every core object (nm), links
each object to the objects defining what it uses, and fails on any strongly
connected component of more than one file: a cycle means two files that
cannot be understood or tested one without the other (issue 8). Within a
folder the layering is by design (stages call primitives, registries call
entries), never back."""
import collections, glob, os, subprocess, sys

def symbols(obj):
    d, u = set(), set()
    for line in subprocess.run(['nm', obj], capture_output=True, text=True, check=True).stdout.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in 'TDRB':
            d.add(p[2])
        elif len(p) == 2 and p[0] == 'U':
            u.add(p[1])
    return d, u

def sccs(nodes, edges):
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]
    def visit(v):
        index[v] = low[v] = n[0]; n[0] += 1; stack.append(v); on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            out.append(comp)
    sys.setrecursionlimit(10000)
    for v in nodes:
        if v not in index: visit(v)
    return out

def cycles(build):
    objs = sorted(glob.glob(os.path.join(build, 'core', '*', '*.o')))
    defs, uses, owner = {}, {}, {}
    for o in objs:
        defs[o], uses[o] = symbols(o)
        for s in defs[o]: owner[s] = o
    edges = collections.defaultdict(set)
    for o in objs:
        for s in uses[o]:
            if s in owner and owner[s] != o: edges[o].add(owner[s])
    return objs, [c for c in sccs(objs, edges) if len(c) > 1]

def sccs_of(build):
    return cycles(build)[1]

def main(build):
    objs, bad = cycles(build)
    if not objs:
        print('FAIL: no core objects under %s (build first)' % build); return 1
    for c in bad:
        print('FAIL: call cycle between ' + ', '.join(sorted(os.path.relpath(x, build) for x in c)))
    if bad: return 1
    print('ok: no call cycles between the %d core/ object files' % len(objs))
    return 0

def self_test():
    """Two objects that call each other must be caught (a check that cannot
    fail is no check)."""
    import tempfile
    cc = os.environ.get('CC', 'cc')
    with tempfile.TemporaryDirectory() as t:
        os.makedirs(os.path.join(t, 'core', 'x'))
        for name, mine, other in (('a', 'fa', 'fb'), ('b', 'fb', 'fa')):
            src = os.path.join(t, name + '.c')
            with open(src, 'w') as f:
                f.write('int %s(int n);\nint %s(int n) { return n ? %s(n - 1) : 1; }\n' % (other, mine, other))
            subprocess.run([cc, '-c', src, '-o', os.path.join(t, 'core', 'x', name + '.o')], check=True)
        devnull = open(os.devnull, 'w')
        old, sys.stdout = sys.stdout, devnull
        try:
            found = main(t) == 1 and len(sccs_of(t)) == 1
        finally:
            sys.stdout = old
            devnull.close()
        return found

if __name__ == '__main__':
    if not self_test():
        print('FAIL: check_cycles self-test: a planted cycle was not found'); sys.exit(1)
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else 'build'))
