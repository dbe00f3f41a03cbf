#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# textwrite.sh - L2 scenario: a module writes one byte of the kernel's code
# (textwrite.ko: CR0.WP off, the byte that was there, WP back on). Prints
#   @@TEXTWRITE@@ addr=0x... rip=0x... target=FUNC+OFF/SIZE
# for the L1 stage, which looks for the matching text-write event.
rmmod textwrite 2>/dev/null
n0=$(dmesg | grep -c 'textwrite: wrote')
insmod /lab2/textwrite.ko || { echo "textwrite: insmod failed"; exit 1; }
line=$(dmesg | grep 'textwrite: wrote' | tail -n1)
[ "$(dmesg | grep -c 'textwrite: wrote')" -gt "$n0" ] ||
	{ echo "textwrite: the module printed nothing"; exit 1; }
addr=$(echo "$line" | sed -n 's/.* at \(0x[0-9a-f]*\) .*/\1/p')
rip=$(echo "$line" | sed -n 's/.* rip \(0x[0-9a-f]*\).*/\1/p')
target=$(echo "$line" | sed -n 's/.* (\(.*\)) rip .*/\1/p')
[ -n "$addr" ] && [ -n "$rip" ] || { echo "textwrite: cannot parse: $line"; exit 1; }
echo "@@TEXTWRITE@@ addr=$addr rip=$rip target=$target"
