#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# run.sh - `make bench`: speed and memory, side by side in one run.
#   1. decoder throughput: ours vs Zydis vs Capstone over the same kernel text
#   2. MD5: ours vs OpenSSL
#   3. whole-kernel identification of a 6.1 dump, by stage, with peak memory
#   4. breakpoints in the lab: VM exits per intercepted call (goal 1) and the
#      slowdown of a guest workload with the scheduler intercepted
# Goals (not test assertions): decoder >= 3x Zydis, MD5 >= 0.9x OpenSSL,
# identification <= 50 ms for a 6.1 kernel.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE=${NOGAP_CACHE:-$HOME/.cache/nogap}
abi() { awk -v r="$1" '$1 == r { print $2 }' tests/eval/kernels.txt; }
REF=$(abi ref61) TGT=$(abi t61)

echo "== bench: host $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
echo
echo "== 1. x86-64 decoder over $REF's text (tests/bench/bench_insn.c)"
tests/eval/check-decoder.sh "$REF" >/dev/null 2>&1 || true   # fetches vmlinux + map
K=$CACHE/kernels/$REF
if [ -s "$K/vmlinux" ] && [ -s "$K/System.map-$REF" ]; then
	build/bench/bench_insn "$K/vmlinux" "$K/System.map-$REF" "$REF"
else
	echo "bench: decoder: no vmlinux/System.map for $REF (download impossible): not measured"
fi
echo
echo "== 2. MD5 (tests/bench/bench_md5.c)"
build/bench/bench_md5
echo
echo "== 3. identification of $TGT with a DB of $REF (nogapctl identify)"
tests/eval/mkdump.sh "$REF" "$TGT" >&2
mkdir -p build/bench
userspace/nogapctl sigdb build --dump "$CACHE/dumps/$REF.elf" \
	--kallsyms "$CACHE/dumps/$REF.kallsyms" -o build/bench/db.sigdb 2>/dev/null
python3 - "$CACHE/dumps/$TGT.elf" <<'PY'
import json, resource, subprocess, sys, time
runs = []
for i in range(7):
    t0 = time.monotonic()
    out = subprocess.run(["userspace/nogapctl", "identify", "-j", "--dump", sys.argv[1],
                          "--db", "build/bench/db.sigdb"], check=True,
                         capture_output=True).stdout
    wall = time.monotonic() - t0
    s = json.loads(out)["seconds"]
    s["wall"] = wall
    runs.append(s)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
def med(k):
    v = sorted(r[k] for r in runs)
    return 1000 * v[len(v) // 2]
stages = ["open", "text", "fragments", "match"]
print("%-28s %9s" % ("stage (median of 7)", "ms"))
for k in stages:
    print("%-28s %9.1f" % (k, med(k)))
tot = sum(med(k) for k in stages)
print("%-28s %9.1f   (goal <= 50 ms: %s)" % ("identification total", tot,
      "met" if tot <= 50 else "not met"))
print("%-28s %9.1f   (includes loading + checking the DB, JSON output)" %
      ("whole command, wall", med("wall")))
print("%-28s %9.1f MiB (the dump is mmap'ed: its pages touched count)" %
      ("peak RSS", rss / 1024))
PY
echo
echo "== 4. breakpoints on a live guest (lab: tests/lab, stage bench)"
# The lab's bench stage measures in L1: VM exits of L2 per intercepted call
# (goal 1) and L2's workload with and without a breakpoint on the
# scheduler; it writes build/lab/bench.txt.
rm -f build/lab/bench.txt
if LAB_STAGES=bench tests/lab/run.sh > build/bench/lab.log 2>&1 &&
   [ -s build/lab/bench.txt ]; then
	cat build/lab/bench.txt
else
	echo "bench: lab: not measured: $(grep 'nogap-lab: FAIL' build/lab/results.log 2>/dev/null | tail -n 1 || tail -n 1 build/bench/lab.log)"
fi
