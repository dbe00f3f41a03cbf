#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# extract-vmlinux.sh - get the vmlinux ELF out of a bzImage (vmlinuz).
#
#   tests/eval/extract-vmlinux.sh ABI          -> $CACHE/kernels/ABI/vmlinux
#     (from $CACHE/kernels/ABI/vmlinuz-ABI or .../ABI/boot/vmlinuz-ABI)
#   tests/eval/extract-vmlinux.sh VMLINUZ OUT  -> OUT
#
# A bzImage is a small decompressor followed by the compressed kernel. Debian
# compresses 6.1 with xz and 6.12 with zstd; gzip and lz4 are tried as well.
# We look for each format's magic bytes, decompress from every candidate
# offset with the command-line tool and keep the first result that is an ELF.
# The result is cached: nothing is done if OUT already exists.
set -e -o pipefail

CACHE=${NOGAP_CACHE:-$HOME/.cache/nogap}

if [ $# -eq 1 ]; then
	abi=$1
	kdir=$CACHE/kernels/$abi
	# mkdump.sh puts vmlinuz in kdir, a plain dpkg-deb -x in kdir/boot.
	in=$kdir/vmlinuz-$abi
	[ -f "$in" ] || in=$kdir/boot/vmlinuz-$abi
	out=$kdir/vmlinux
elif [ $# -eq 2 ]; then
	in=$1
	out=$2
else
	echo "usage: $0 ABI | $0 VMLINUZ OUT" >&2
	exit 2
fi

[ -s "$out" ] && exit 0
[ -f "$in" ] || { echo "extract-vmlinux: no $in" >&2; exit 1; }

tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT

is_elf() {
	[ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]
}

# try NAME MAGIC(as grep -P escape) DECOMPRESS-COMMAND...
try() {
	local magic=$1 off
	shift
	for off in $(LC_ALL=C grep -obUaP "$magic" "$in" | cut -d: -f1); do
		tail -c +$((off + 1)) "$in" | "$@" > "$tmp" 2>/dev/null || true
		if [ -s "$tmp" ] && is_elf "$tmp"; then
			chmod 644 "$tmp"
			mv "$tmp" "$out"
			trap - EXIT
			echo "extract-vmlinux: $out ($* at offset $off)"
			exit 0
		fi
	done
}

try '\xfd\x37\x7a\x58\x5a\x00' xz -dc
try '\x28\xb5\x2f\xfd' zstd -dcq
try '\x1f\x8b\x08' gzip -dc
try '\x02\x21\x4c\x18' lz4 -dc

echo "extract-vmlinux: no compressed ELF found in $in" >&2
exit 1
