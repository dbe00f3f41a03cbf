#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Score `nogapctl identify -j` output against the target boot's kallsyms.

Truth: the core kernel's text symbols (t/T/w/W, no [module]) between the
kallsyms' own _stext and _etext, padding labels (__pfx_/__cfi_) excluded,
one function per address (any alias at that address counts as right).
recall = right / truth addresses; precision = right / names given.
"""
import json
import sys


def load_truth(path):
    syms = {}
    stext = etext = None
    with open(path) as f:
        for ln, line in enumerate(f, 1):
            parts = line.split()
            if len(parts) < 3:
                continue
            if len(parts) > 3:      # [module]
                continue
            addr, typ, name = int(parts[0], 16), parts[1], parts[2]
            if name == "_stext":
                stext = addr
            elif name == "_etext":
                etext = addr
            if typ not in "tTwW":
                continue
            if name.startswith("__pfx_") or name.startswith("__cfi_"):
                continue
            syms.setdefault(addr, set()).add(name)
    if stext is None or etext is None:
        sys.exit("score: %s: no _stext/_etext" % path)
    return {a: n for a, n in syms.items() if stext <= a < etext}


def load_all(path):
    """Every core symbol (any type): name -> set of addresses."""
    out = {}
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) == 3:
                out.setdefault(p[2], set()).add(int(p[0], 16))
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: score.py IDENTIFY.json TARGET.kallsyms [LABEL]")
    with open(sys.argv[1]) as f:
        out = json.load(f)
    truth = load_truth(sys.argv[2])
    label = sys.argv[3] if len(sys.argv) > 3 else ""
    given = right = 0
    wrong = []
    by_ev = {}
    for fn in out["functions"]:
        a = int(fn["address"], 16)
        given += 1
        ok = fn["name"] in truth.get(a, ())
        right += ok
        ev = by_ev.setdefault(fn["evidence"], [0, 0])
        ev[0] += 1
        ev[1] += ok
        if not ok and len(wrong) < 20:
            wrong.append("%s@%s (truth: %s)" % (fn["name"], fn["address"],
                         ",".join(sorted(truth.get(a, ["-"])))))
    recall = right / len(truth) if truth else 0.0
    precision = right / given if given else 0.0
    allsyms = load_all(sys.argv[2])
    data = out.get("data", [])
    data_right = sum(1 for d in data
                     if int(d["address"], 16) in allsyms.get(d["name"], ()))
    res = {"label": label, "truth": len(truth), "named": given,
           "right": right, "recall": round(100 * recall, 2),
           "precision": round(100 * precision, 2),
           "by_evidence": {k: {"named": v[0], "right": v[1]}
                           for k, v in sorted(by_ev.items())},
           "data_located": len(data), "data_right": data_right,
           "kernel": out.get("kernel", {}).get("label"),
           "seconds": out.get("seconds")}
    print(json.dumps(res))
    if "-v" in sys.argv:
        for w in wrong:
            print("  wrong:", w, file=sys.stderr)


if __name__ == "__main__":
    main()
