#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# check-offline.sh - offline identification end to end (make check-offline):
# accuracy goals on real Debian kernels, then hostile input against an
# AddressSanitizer build of nogapctl.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE=${NOGAP_CACHE:-$HOME/.cache/nogap}
abi() { awk -v r="$1" '$1 == r { print $2 }' tests/eval/kernels.txt; }

echo "== accuracy (tests/eval/eval.sh --check)"
tests/eval/eval.sh --check

echo "== hostile input (tests/eval/bad-input.sh, ASan build)"
tests/eval/bad-input.sh build/asan/nogapctl \
	"$CACHE/dumps/$(abi ref61).elf" "$CACHE/dumps/$(abi ref61).kallsyms" \
	build/eval/db61.sigdb
echo "check-offline: pass"
