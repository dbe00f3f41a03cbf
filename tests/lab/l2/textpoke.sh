#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# textpoke.sh - L2 scenario: the kernel patches its own code, as it does
# whenever a static key flips: sched_schedstats on, then off again (jump
# labels in the scheduler, rewritten by text_poke through a temporary
# alias mapping). Prints @@TEXTPOKE@@ ok, or why not.
f=/proc/sys/kernel/sched_schedstats
[ -w $f ] || { echo "@@TEXTPOKE@@ no $f"; exit 1; }
old=$(cat $f)
echo 1 > $f && echo 0 > $f && echo "$old" > $f ||
	{ echo "@@TEXTPOKE@@ cannot write $f"; exit 1; }
echo "@@TEXTPOKE@@ ok (sched_schedstats $old -> 1 -> 0 -> $old)"
