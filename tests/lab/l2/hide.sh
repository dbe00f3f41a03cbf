#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# hide.sh - L2 scenario: start a process that prints a heartbeat
# (hiddenhb: "@@HIDDEN-HB@@ pid=N n=K ..." every second), then hide it from
# the kernel's task list with hide.ko (DKOM), as a rootkit does. Prints
#   @@HIDE@@ pid=N rc=R uptime=U
# for the L1 stage; the process keeps running after the scenario ends.
/lab2/hiddenhb &
pid=$!
# let it print its first lines while still listed
sleep 2
kill -0 $pid 2>/dev/null || { echo "hide: hiddenhb $pid is not running"; exit 1; }
rmmod hide 2>/dev/null	# loaded by an earlier run: it does nothing on exit
insmod /lab2/hide.ko pid=$pid
rc=$?
echo "@@HIDE@@ pid=$pid rc=$rc uptime=$(cut -d' ' -f1 /proc/uptime)"
exit $rc
