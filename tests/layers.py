#!/usr/bin/env python3
"""layers.py: the include check of docs/design.md's layers (tests/layers.sh).

Reads the table under "## Layers" in docs/design.md (columns: level,
layer, files, may include, holds) and the `#include "..."` lines of every
.c and .h file in src/, cardsim/, center/, clinic/ and bureau/, and reports, one line each:

  unplaced FILE             a file no row of the table names
  upward FILE -> HEADER     FILE includes a header of a layer with a
                            higher level than its own
  circle L1 -> L2 -> L1     layers that include each other's headers
                            (through files of different layers), with the
                            includes that make each step

A row's files are names or shell patterns (`store*.c`), relative to src/
unless they hold a '/'. A file named by a row without a pattern belongs to
that row even when another row's pattern matches it too; among patterns the
longest wins. Quoted includes that name no file of the three folders
(config.h, which configure writes) are not checked. Layers of the same
level may include each other's headers as long as no circle forms.

ALLOWED below lists the includes that break the rule on purpose, each with
its reason; an entry that no longer matches an include fails the check
too, so the list only shrinks. It is empty: every layer points one way.

Usage: layers.py TOP_SRCDIR [--table]   (--table prints file -> layer)
Exit 0 when nothing is reported, 1 otherwise, 2 when the table is missing
or malformed.
"""
import fnmatch
import os
import re
import sys

DIRS = ("src", "cardsim", "center", "clinic", "bureau")

# (file, header, reason): includes of a higher layer allowed on purpose.
ALLOWED = [
]


def die(msg):
    print("layers.py: " + msg, file=sys.stderr)
    sys.exit(2)


def parse_table(design):
    text = open(design, encoding="utf-8").read()
    m = re.search(r"^## Layers\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    if not m:
        die("%s: no '## Layers' section" % design)
    rows = []
    lines = [l for l in m.group(1).split("\n") if l.startswith("|")]
    if len(lines) < 3:
        die("%s: the Layers table has no rows" % design)
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    if head[:3] != ["level", "layer", "files"]:
        die("%s: the Layers table must start with the columns level | layer |"
            " files (found %s)" % (design, " | ".join(head[:3])))
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not cells[0].isdigit():
            die("%s: layer row '%s': level '%s' is not a number" % (design, line, cells[0]))
        pats = re.findall(r"`([^`]+)`", cells[2])
        if not pats:
            die("%s: layer '%s' names no files" % (design, cells[1]))
        rows.append((int(cells[0]), cells[1], pats))
    names = [r[1] for r in rows]
    if len(set(names)) != len(names):
        die("%s: a layer is named twice" % design)
    return rows


def sources(top):
    out = []
    for d in DIRS:
        p = os.path.join(top, d)
        for name in sorted(os.listdir(p)):
            if name.endswith((".c", ".h")):
                out.append(d + "/" + name)
    return out


def place(files, rows):
    layer = {}
    for f in files:
        d, name = f.split("/", 1)
        exact, best = None, None
        for level, lname, pats in rows:
            for pat in pats:
                full = pat if "/" in pat else "src/" + pat
                if not fnmatch.fnmatchcase(f, full):
                    continue
                if not any(ch in pat for ch in "*?["):
                    exact = (level, lname)
                elif best is None or len(pat) > best[0]:
                    best = (len(pat), (level, lname))
        if exact is not None:
            layer[f] = exact
        elif best is not None:
            layer[f] = best[1]
    return layer


def includes(top, f):
    out = []
    with open(os.path.join(top, f), encoding="utf-8", errors="replace") as fp:
        for n, line in enumerate(fp, 1):
            m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if m:
                out.append((n, m.group(1)))
    return out


def resolve(f, inc, present):
    d = f.split("/", 1)[0]
    for cand in (d + "/" + inc, "src/" + inc):
        if cand in present:
            return cand
    return None


def find_circles(edges):
    """edges: {L1: {L2: [(file, header), ...]}}; one circle per strongly
    connected group of layers, as a path L1 -> ... -> L1."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            strong(v)
    paths = []
    for group in out:
        # a shortest way back to the start through the group
        start = group[0]
        prev, todo = {start: None}, [start]
        found = None
        while todo and found is None:
            nxt = []
            for v in todo:
                for w in sorted(edges.get(v, {})):
                    if w not in group:
                        continue
                    if w == start:
                        found = v
                        break
                    if w not in prev:
                        prev[w] = v
                        nxt.append(w)
                if found is not None:
                    break
            todo = nxt
        path = [start]
        v = found
        while v is not None and v != start:
            path.insert(1, v)
            v = prev[v]
        path.append(start)
        paths.append(path)
    return paths


def main():
    if len(sys.argv) < 2:
        die("usage: layers.py TOP_SRCDIR [--table]")
    top = sys.argv[1]
    rows = parse_table(os.path.join(top, "docs", "design.md"))
    files = sources(top)
    present = set(files)
    layer = place(files, rows)
    if "--table" in sys.argv[2:]:
        for f in files:
            print("%-32s %s" % (f, layer.get(f, ("-", "(none)"))[1]))
        return 0
    bad = 0
    for f in files:
        if f not in layer:
            print("unplaced %s: no row of the Layers table in docs/design.md names it" % f)
            bad += 1
    allowed = {(a[0], a[1]) for a in ALLOWED}
    used = set()
    edges = {}
    for f in files:
        if f not in layer:
            continue
        lf, nf = layer[f]
        for n, inc in includes(top, f):
            h = resolve(f, inc, present)
            if h is None or h not in layer:
                continue
            lh, nh = layer[h]
            if nh == nf:
                continue
            if (f, inc) in allowed:
                used.add((f, inc))
                continue
            if lh > lf:
                print("upward %s:%d -> %s: layer %s (level %d) includes a header of"
                      " layer %s (level %d)" % (f, n, h, nf, lf, nh, lh))
                bad += 1
            edges.setdefault(nf, {}).setdefault(nh, []).append((f, h))
    for f, inc in sorted(allowed - used):
        print("stale ALLOWED entry %s includes %s: no such include of a higher"
              " layer any more; remove it from tests/layers.py" % (f, inc))
        bad += 1
    for path in find_circles(edges):
        steps = []
        for a, b in zip(path, path[1:]):
            f, h = edges[a][b][0]
            steps.append("%s -> %s (%s includes %s)" % (a, b, f, h))
        print("circle %s: %s" % (" -> ".join(path), "; ".join(steps)))
        bad += 1
    print("checked %d files in %d layers" % (len(files), len(rows)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
