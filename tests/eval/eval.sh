#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# eval.sh - recall/precision of offline identification on real Debian kernels.
#
#   tests/eval/eval.sh            print the table (make eval)
#   tests/eval/eval.sh --check    also fail when a goal of issue 2 is missed
#
# Data: tests/eval/mkdump.sh boots each kernel of tests/eval/kernels.txt under
# QEMU and dumps it (cached in $NOGAP_CACHE). Truth: each target boot's own
# kallsyms, scored by tests/eval/score.py. Results: build/eval/results.jsonl.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE=${NOGAP_CACHE:-$HOME/.cache/nogap}
CHECK=0
[ "${1:-}" = "--check" ] && CHECK=1
NOGAPCTL=userspace/nogapctl
OUT=build/eval
mkdir -p "$OUT"

abi() { awk -v r="$1" '$1 == r { print $2 }' tests/eval/kernels.txt; }
tests/eval/mkdump.sh --all >&2

dump() { echo "$CACHE/dumps/$(abi "$1").elf"; }
syms() { echo "$CACHE/dumps/$(abi "$1").kallsyms"; }

echo "eval: building signature DBs" >&2
$NOGAPCTL sigdb build --dump "$(dump ref61)" --kallsyms "$(syms ref61)" \
	--label "$(abi ref61)" -o "$OUT/db61.sigdb"
$NOGAPCTL sigdb build --dump "$(dump ref61)" --kallsyms "$(syms ref61)" \
	--label "$(abi ref61)" --dump "$(dump ref612)" \
	--kallsyms "$(syms ref612)" --label "$(abi ref612)" \
	-o "$OUT/db61-612.sigdb"

: > "$OUT/results.jsonl"
# scenario db target min-recall min-precision (goals of issue 2; 0 = report only)
run() {
	local name=$1 db=$2 target=$3 minr=$4 minp=$5 json
	json="$OUT/$name.json"
	$NOGAPCTL identify -j --dump "$(dump "$target")" --db "$OUT/$db.sigdb" > "$json"
	python3 tests/eval/score.py "$json" "$(syms "$target")" "$name" |
		python3 -c '
import json, sys
r = json.load(sys.stdin)
r.update({"db": sys.argv[1], "target": sys.argv[2],
          "min_recall": float(sys.argv[3]), "min_precision": float(sys.argv[4])})
print(json.dumps(r))' "$db" "$(abi "$target")" "$minr" "$minp" >> "$OUT/results.jsonl"
}
run same-series  db61     t61      95 99.5
run flavour      db61     t61cloud 85 99
run cross-major  db61     t612     0  0
run multi-612    db61-612 t612     90 99
run multi-612rt  db61-612 t612rt   75 99

# ps: the task list found through code against the guest's own /proc
: > "$OUT/ps.jsonl"
ps_run() {
	local db=$1 target=$2
	$NOGAPCTL ps -j --dump "$(dump "$target")" --db "$OUT/$db.sigdb" > "$OUT/ps-$target.json"
	python3 tests/eval/score-ps.py "$OUT/ps-$target.json" \
		"$CACHE/dumps/$(abi "$target").ps" "$(abi "$target")" >> "$OUT/ps.jsonl"
}
ps_run db61 t61
ps_run db61 t61cloud
ps_run db61-612 t612
ps_run db61-612 t612rt

python3 - "$OUT/results.jsonl" "$CHECK" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
fail = 0
print("%-12s %-9s %-26s %7s %7s %8s %10s %6s %13s %s" % ("scenario", "db", "target",
      "truth", "named", "recall%", "precision%", "ms", "data(right%)", "goal"))
for r in rows:
    goal = ""
    if r["min_recall"]:
        ok = r["recall"] >= r["min_recall"] and r["precision"] >= r["min_precision"]
        goal = "%s (>= %g / %g)" % ("met" if ok else "MISSED", r["min_recall"], r["min_precision"])
        fail |= not ok
    s = r.get("seconds") or {}
    ms = 1000 * sum(s.values()) if s else 0
    data = "%d(%.1f)" % (r["data_located"],
                         100.0 * r["data_right"] / max(1, r["data_located"]))
    print("%-12s %-9s %-26s %7d %7d %8.2f %10.2f %6.0f %13s %s" % (r["label"], r["db"],
          r["target"], r["truth"], r["named"], r["recall"], r["precision"], ms,
          data, goal))
print()
print("%-26s %6s %6s %5s  %s" % ("ps: target", "guest", "found", "ours", "extra (not in the guest's list)"))
for l in open(sys.argv[1].replace("results.jsonl", "ps.jsonl")):
    r = json.loads(l)
    ok = r["found"] == r["guest"] and all(e.endswith(":sleep") for e in r["extra"])
    fail |= not ok
    print("%-26s %6d %6d %5d  %s%s" % (r["label"], r["guest"], r["found"], r["ours"],
          " ".join(r["extra"]) or "-", "" if ok else "   MISSED"))
if int(sys.argv[2]) and fail:
    print("eval: FAIL: a goal was missed", file=sys.stderr)
    sys.exit(1)
PY
