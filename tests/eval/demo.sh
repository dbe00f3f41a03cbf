#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# demo.sh - the main job today, on real Debian kernels: build a signature DB
# from one reference boot of Debian's 6.1 kernel, then name the functions of
# another 6.1 build from nothing but its memory dump, and score the result
# against that boot's own kallsyms.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE=${NOGAP_CACHE:-$HOME/.cache/nogap}
abi() { awk -v r="$1" '$1 == r { print $2 }' tests/eval/kernels.txt; }
REF=$(abi ref61) TGT=$(abi t61)
D=$CACHE/dumps
mkdir -p build/demo

echo "demo: fetching and booting Debian kernels $REF and $TGT under QEMU (cached)"
tests/eval/mkdump.sh "$REF" "$TGT"

echo
echo "\$ nogapctl sigdb build --dump $REF.elf --kallsyms $REF.kallsyms -o build/demo/db.sigdb"
userspace/nogapctl sigdb build --dump "$D/$REF.elf" --kallsyms "$D/$REF.kallsyms" \
	--label "$REF" -o build/demo/db.sigdb
echo
echo "\$ nogapctl sigdb info build/demo/db.sigdb"
userspace/nogapctl sigdb info build/demo/db.sigdb
echo
echo "\$ nogapctl identify --dump $TGT.elf --db build/demo/db.sigdb   (a few well-known functions)"
userspace/nogapctl identify --dump "$D/$TGT.elf" --db build/demo/db.sigdb > build/demo/identify.txt
head -5 build/demo/identify.txt
sed -n '6p' build/demo/identify.txt
grep -E ' (schedule|__schedule|do_exit|__x64_sys_kill|commit_creds|kallsyms_lookup_name|native_safe_halt)$' build/demo/identify.txt || true
echo "   ... ($(($(wc -l < build/demo/identify.txt) - 6)) functions in build/demo/identify.txt)"
echo
userspace/nogapctl identify -j --dump "$D/$TGT.elf" --db build/demo/db.sigdb > build/demo/identify.json
python3 tests/eval/score.py build/demo/identify.json "$D/$TGT.kallsyms" "$TGT" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("demo: %s named %d of %d functions of %s: recall %.2f%%, precision %.2f%% (truth: that boot'"'"'s kallsyms)"
      % ("nogapctl", r["named"], r["truth"], r["label"], r["recall"], r["precision"]))'
