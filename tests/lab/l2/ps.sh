#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ps.sh - L2 scenario: L2's own process list, one "@@PS@@ PID COMM" line a
# process (from /proc/PID/stat, thread group leaders only, as the task
# list), between @@L2-PS-BEGIN@@ and @@L2-PS-END@@. Shell built-ins only:
# the scenario adds no process but its own shell.
echo "@@L2-PS-BEGIN@@ uptime=$(cut -d' ' -f1 /proc/uptime)"
for f in /proc/[0-9]*/stat; do
	read -r line < "$f" 2>/dev/null || continue
	pid=${line%% *}
	comm=${line#*\(}
	comm=${comm%\)*}
	echo "@@PS@@ $pid $comm"
done
echo "@@L2-PS-END@@"
