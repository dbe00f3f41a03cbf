#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# sysloop.sh - N (20000) one-byte reads of /dev/zero, each written to
# /dev/null: 2N system calls and almost no VM exits of their own (no I/O
# device, no page faults after the first), timed by L2. Prints
# "@@L2-SYSLOOP@@ n=N cs=CENTISECONDS".
n=${1:-20000}
cs() { tr -d . < /proc/uptime | cut -d' ' -f1; }
t0=$(cs)
dd if=/dev/zero of=/dev/null bs=1 count="$n" 2> /tmp/sysloop.err || exit 1
t1=$(cs)
echo "@@L2-SYSLOOP@@ n=$n cs=$((t1 - t0))"
