#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-decoder.sh - our x86-64 decoder against Zydis (and objdump) over
# whole real Debian kernels: the 6.1 and 6.12 reference kernels of
# tests/eval/kernels.txt (roles ref61, ref612). Called by `make check-decoder`.
#
#   tests/eval/check-decoder.sh [ABI...]
#
# Per kernel, in $CACHE/kernels/<ABI>/ (the layout mkdump.sh uses):
#   vmlinuz-<ABI>     from linux-image-<ABI>-unsigned (.deb kept in $CACHE/debs)
#   vmlinux           extracted from it (extract-vmlinux.sh)
#   System.map-<ABI>  the real map, from linux-image-<ABI>-dbg (the -unsigned
#                     package ships a placeholder); only that file is kept,
#                     the 1 GB .deb is deleted once it has been read.
# Fails if any kernel shows a mismatch. Skips (exit 0, with a message) only
# when the packages cannot be downloaded.
set -e -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
CACHE=${NOGAP_CACHE:-$HOME/.cache/nogap}
ORACLE=${ORACLE:-$top/build/eval/insn-oracle}

log() { echo "check-decoder: $*" >&2; }

role() {
	local abi=""
	[ -f "$here/kernels.txt" ] &&
		abi=$(awk -v r="$1" '$1 == r { print $2; exit }' "$here/kernels.txt")
	echo "${abi:-$2}"
}

apt_updated=0
download() {	# download DIR PACKAGE
	(cd "$1" && apt-get download -q "$2") >/dev/null 2>&1 && return 0
	if [ $apt_updated = 0 ]; then
		apt_updated=1
		log "apt-get download $2 failed: running apt-get update"
		apt-get update -q >/dev/null 2>&1 || return 1
		(cd "$1" && apt-get download -q "$2") >/dev/null 2>&1 && return 0
	fi
	return 1
}

# Returns 3 if a download was impossible, other non-zero on real errors.
fetch() {
	local abi=$1 kdir=$CACHE/kernels/$1 deb tmp
	mkdir -p "$kdir" "$CACHE/debs"

	if [ ! -s "$kdir/vmlinuz-$abi" ] && [ ! -s "$kdir/boot/vmlinuz-$abi" ]; then
		deb=$(ls "$CACHE/debs/linux-image-$abi-unsigned_"*_amd64.deb 2>/dev/null | tail -n1)
		if [ -z "$deb" ]; then
			log "$abi: downloading linux-image-$abi-unsigned"
			download "$CACHE/debs" "linux-image-$abi-unsigned" || return 3
			deb=$(ls "$CACHE/debs/linux-image-$abi-unsigned_"*_amd64.deb | tail -n1)
		fi
		tmp=$(mktemp -d "$kdir/.tmp.XXXXXX")
		dpkg-deb --fsys-tarfile "$deb" |
			tar -x -C "$tmp" "./boot/vmlinuz-$abi" "./boot/config-$abi"
		mv -f "$tmp/boot/"* "$kdir/"
		[ -e "$kdir/package" ] || basename "$deb" > "$kdir/package"
		rm -rf "$tmp"
	fi
	"$here/extract-vmlinux.sh" "$abi"

	if [ ! -s "$kdir/System.map-$abi" ]; then
		log "$abi: downloading linux-image-$abi-dbg for its System.map"
		tmp=$(mktemp -d "$CACHE/debs/.dbg.XXXXXX")
		if ! download "$tmp" "linux-image-$abi-dbg"; then
			rm -rf "$tmp"
			return 3
		fi
		deb=$(ls "$tmp"/*.deb)
		# The map comes before vmlinux in the archive: stop at it.
		dpkg-deb --fsys-tarfile "$deb" 2>/dev/null |
			tar -xO --occurrence=1 \
			    "./usr/lib/debug/boot/System.map-$abi" \
			    > "$kdir/System.map-$abi.tmp" || true
		rm -rf "$tmp"
		if [ "$(wc -l < "$kdir/System.map-$abi.tmp")" -lt 10000 ]; then
			rm -f "$kdir/System.map-$abi.tmp"
			log "$abi: no System.map in the -dbg package"
			return 1
		fi
		mv "$kdir/System.map-$abi.tmp" "$kdir/System.map-$abi"
	fi
}

if [ $# -gt 0 ]; then
	abis=("$@")
else
	abis=("$(role ref61 6.1.0-50-amd64)" "$(role ref612 6.12.117+deb12-amd64)")
fi

[ -x "$ORACLE" ] || { log "no $ORACLE (make build/eval/insn-oracle)"; exit 1; }

fail=0
for abi in "${abis[@]}"; do
	rc=0
	fetch "$abi" || rc=$?
	if [ $rc = 3 ]; then
		log "$abi: SKIP: cannot download its packages"
		continue
	elif [ $rc != 0 ]; then
		log "$abi: cannot prepare the kernel"
		fail=1
		continue
	fi
	kdir=$CACHE/kernels/$abi
	echo "+ insn-oracle $abi"
	"$ORACLE" -q "$kdir/vmlinux" "$kdir/System.map-$abi" "$abi" || fail=1
done

if [ $fail = 0 ]; then
	echo "check-decoder: pass"
else
	echo "check-decoder: FAIL"
fi
exit $fail
