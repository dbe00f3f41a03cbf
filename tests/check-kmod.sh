#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# check-kmod.sh - nogap.ko must build without warnings against every Debian
# kernel line we support: each installed /usr/src/linux-headers-*-amd64
# (6.1 and 6.12 after scripts/install-deps.sh). Each build runs in its own
# copy (build/kmod-<abi>/) so objects of two kernels never mix.
set -euo pipefail
cd "$(dirname "$0")/.."
n=0 fail=0
for hdr in /usr/src/linux-headers-*-amd64; do
	[ -d "$hdr" ] || continue
	abi=${hdr#/usr/src/linux-headers-}
	out=build/kmod-$abi
	rm -rf "$out" && mkdir -p "$out"
	cp -r kmod uapi "$out/"
	rm -f "$out"/kmod/*.o "$out"/kmod/core/*.o "$out"/kmod/*.ko
	if make -C "$hdr" M="$PWD/$out/kmod" modules > "$out/build.log" 2>&1 &&
	   ! grep -qiE 'warning|error' "$out/build.log"; then
		echo "check-kmod: $abi: ok ($(stat -c %s "$out/kmod/nogap.ko") bytes)"
	else
		echo "check-kmod: $abi: FAIL"
		grep -iE 'warning|error' "$out/build.log" | head -20
		fail=1
	fi
	n=$((n + 1))
done
[ "$n" -ge 2 ] || { echo "check-kmod: FAIL: need the 6.1 and 6.12 headers (scripts/install-deps.sh)"; exit 1; }
[ "$fail" = 0 ] && echo "check-kmod: pass"
exit $fail
