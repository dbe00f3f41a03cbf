#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# textflood.sh - L2 scenario: textwrite.ko writes the same kernel byte
# 20000 times from two alternating instructions (what a guest can do to
# flood its host with write events). Prints
#   @@TEXTFLOOD@@ writes=N ms=MS
rmmod textwrite 2>/dev/null
insmod /lab2/textwrite.ko count=20000 || { echo "textflood: insmod failed"; exit 1; }
line=$(dmesg | grep 'textwrite: [0-9]* writes in' | tail -n1)
rmmod textwrite
n=$(echo "$line" | sed -n 's/.*textwrite: \([0-9]*\) writes in \([0-9]*\) ms.*/\1/p')
ms=$(echo "$line" | sed -n 's/.*textwrite: \([0-9]*\) writes in \([0-9]*\) ms.*/\2/p')
[ -n "$n" ] || { echo "textflood: no count from the module: $line"; exit 1; }
echo "@@TEXTFLOOD@@ writes=$n ms=$ms"
