#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# demo.sh - `make demo`, the main job today:
#  1. offline: name the functions of a Debian 6.1 kernel from nothing but a
#     memory dump, with a signature DB built from another 6.1 build;
#  2. live: in the lab (a Debian KVM host under QEMU with a real KVM guest),
#     load nogap.ko, let it find the running guest, identify its kernel in
#     kernel context, and show the names it gives, scored against the
#     guest's own kallsyms; then a rootkit in the guest hides a process by
#     unlinking it from the task list, and NoGap, watching the guest's
#     scheduler from the host, reports it and kills it by calling a guest
#     kernel function (the default policy, etc/nogap/nogap.policy).
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE=${NOGAP_CACHE:-$HOME/.cache/nogap}
abi() { awk -v r="$1" '$1 == r { print $2 }' tests/eval/kernels.txt; }
REF=$(abi ref61) TGT=$(abi t61)
D=$CACHE/dumps
mkdir -p build/demo

echo "== 1. offline: a memory dump of Debian $TGT, a DB from $REF"
tests/eval/mkdump.sh "$REF" "$TGT"
echo "\$ nogapctl sigdb build --dump $REF.elf --kallsyms $REF.kallsyms -o build/demo/db.sigdb"
userspace/nogapctl sigdb build --dump "$D/$REF.elf" --kallsyms "$D/$REF.kallsyms" \
	--label "$REF" -o build/demo/db.sigdb
echo "\$ nogapctl identify --dump $TGT.elf --db build/demo/db.sigdb   (a few well-known functions)"
userspace/nogapctl identify --dump "$D/$TGT.elf" --db build/demo/db.sigdb > build/demo/identify.txt
head -5 build/demo/identify.txt
grep -E ' (schedule|do_exit|__x64_sys_kill|commit_creds|native_safe_halt)$' build/demo/identify.txt || true
userspace/nogapctl identify -j --dump "$D/$TGT.elf" --db build/demo/db.sigdb > build/demo/identify.json
python3 tests/eval/score.py build/demo/identify.json "$D/$TGT.kallsyms" "$TGT" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("offline: named %d of %d functions of %s: recall %.2f%%, precision %.2f%% (truth: that boot'"'"'s kallsyms)"
      % (r["named"], r["truth"], r["label"], r["recall"], r["precision"]))'
echo "\$ nogapctl ps --dump $TGT.elf --db build/demo/db.sigdb   (first lines)"
userspace/nogapctl ps --dump "$D/$TGT.elf" --db build/demo/db.sigdb | head -6

echo
echo "== 2. live: nogap.ko on a KVM host (the lab, tests/lab/README.md), a minute or two"
tests/lab/run.sh
echo
echo "live: what nogap.ko named in the running guest (nogapctl symbols VM -j, build/lab/l2-symbols.json):"
python3 - build/lab/l2-symbols.json <<'PY'
import json, sys
syms = json.load(open(sys.argv[1]))["symbols"]
want = ("schedule", "do_exit", "__x64_sys_kill", "commit_creds", "native_safe_halt")
for s in syms:
    if s["name"] in want:
        print("  %-18s %-18s %s" % (s["address"], s.get("evidence", ""), s["name"]))
print("  ... %d functions in all" % len(syms))
PY
grep -E '^recall=' build/lab/results.log | tail -1 | sed 's/^/live: /'
echo
echo "live: the hidden process (tests/lab/l2mod/hide.ko unlinks it from the guest's task list):"
python3 - build/lab/monitor.jsonl <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("type") in ("hidden-process", "kill"):
        n += 1
        if e["type"] == "hidden-process":
            print("  event hidden-process: vm %s pid %s comm %s task %s actions %s"
                  % (e.get("vm"), e.get("pid"), e.get("comm"), e.get("task"),
                     ",".join(e.get("actions", []))))
        else:
            print("  event kill: vm %s pid %s comm %s result %s"
                  % (e.get("vm"), e.get("pid"), e.get("comm"), e.get("result")))
if not n:
    print("  (no hidden-process event in build/lab/monitor.jsonl)")
PY
sed -n '/stage hidden begin/,/stage hidden /p' build/lab/results.log |
	grep -E 'detection on|@@HIDE@@|detection:|hidden process:|kill of hidden|hidden heartbeat' |
	sed 's/^ *| *//; s/^ */live: /'
