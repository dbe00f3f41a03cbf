#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# work.sh - a fixed workload, timed by L2 itself: N (1000) fork+exec of
# /bin/true, spread over two shells (2 vCPUs), plus a CPU-bound loop
# beside them. Prints "@@L2-WORK@@ n=N cs=CENTISECONDS" and fails unless
# every iteration ran.
n=${1:-1000}
half=$((n / 2))
cs() { tr -d . < /proc/uptime | cut -d' ' -f1; }
t0=$(cs)
run() {
	i=0
	while [ $i -lt "$1" ]; do
		/bin/true || return 1
		i=$((i + 1))
	done
	echo $i > "/tmp/work.$2"
}
rm -f /tmp/work.a /tmp/work.b
run $half a &
a=$!
run $((n - half)) b &
b=$!
j=0
while [ $j -lt 20000 ]; do j=$((j + 1)); done
wait $a
wait $b
t1=$(cs)
done_n=$(($(cat /tmp/work.a 2>/dev/null || echo 0) + $(cat /tmp/work.b 2>/dev/null || echo 0)))
echo "@@L2-WORK@@ n=$done_n cs=$((t1 - t0))"
[ "$done_n" = "$n" ]
