#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# busy.sh - the breakpoints stage's workload: a CPU-bound loop on each
# vCPU and, beside them, N (150) iterations of fork+exec; prints
# "@@L2-BUSY-DONE@@ n=N" when every iteration ran, then the new kernel
# messages of this run (the stage looks for oopses and warnings there).
n=${1:-150}
dmesg > /tmp/busy.dmesg0
spin=""
for c in $(seq "$(nproc)"); do
	( j=0; while [ $j -lt 100000000 ]; do j=$((j + 1)); done ) &
	spin="$spin $!"
done
i=0
while [ $i -lt "$n" ]; do
	sh -c 'echo x > /dev/null; ls / > /dev/null' || break
	i=$((i + 1))
done
kill $spin 2>/dev/null
wait 2>/dev/null
echo "@@L2-BUSY-DONE@@ n=$i"
dmesg | awk -v n="$(wc -l < /tmp/busy.dmesg0)" 'NR > n { print "@@L2-BUSY-KLOG@@ " $0 }'
[ "$i" = "$n" ]
