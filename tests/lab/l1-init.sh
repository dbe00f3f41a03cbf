#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# l1-init.sh - PID 1 of the lab's KVM host (L1): mount, load the modules,
# run the stages of /lab/l1-tests.sh, power off.
#
#   ttyS0   console (build/lab/l1-console.log)
#   ttyS1   results (build/lab/results.log): progress, assertions, and as
#           the very last line "nogap-lab: PASS" or "nogap-lab: FAIL ..."
#   9p      tag "labout": the host's build/lab, mounted at /out
/bin/busybox mkdir -p /proc /sys /dev /tmp /run
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /dev/shm /dev/pts /run/lab
mount -t tmpfs tmpfs /dev/shm
mount -t devpts devpts /dev/pts
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
export PATH=/lab/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
mkdir -p /root

RES=/dev/ttyS1
stty -F $RES raw -echo 2>/dev/null
echo "nogap-lab: L1 up after $(cut -d' ' -f1 /proc/uptime)s, $(uname -r)" > $RES

# Modules in dependency order (deps.txt: "name dep..." written by build.sh).
modload() {
	local m=$1 d
	[ -d /sys/module/$m ] && return 0
	[ -f /lib/modules/$m.ko ] || [ -f /lab/modules/$m.ko ] || return 0	# built in
	for d in $(awk -v m="$m" '$1 == m { $1 = ""; print }' /lab/modules/deps.txt); do
		modload "$d" || return 1
	done
	echo "+ insmod /lab/modules/$m.ko"
	insmod /lab/modules/$m.ko
}

# The shared directory, then kvm (checked by the first stages).
{
	modload 9p && modload 9pnet_virtio && modload virtio_pci &&
		mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 labout /out &&
		echo "9p: mounted"
} > /run/lab/share.log 2>&1
{
	modload kvm_amd &&
		echo "kvm: loaded"
	# the lab's workaround for its emulator (tests/lab/l1mod/tcgfix.c),
	# on request only: lab.tcgfix=1 (tests/lab/README.md says why)
	if ! grep -qw 'lab.tcgfix=1' /proc/cmdline; then
		echo "tcgfix: off (lab.tcgfix=1 loads it)"
	elif [ -f /lab/tcgfix.ko ] && insmod /lab/tcgfix.ko; then
		echo "tcgfix: loaded"
	else
		echo "tcgfix: not loaded ($(cat /lab/l1mod-build.txt 2>/dev/null | head -n 1))"
	fi
	# a probe for stale CR3 writes by KVM (tests/lab/l1mod/cr3watch.c)
	if grep -qw 'lab.cr3watch=1' /proc/cmdline && insmod /lab/cr3watch.ko; then
		echo "cr3watch: loaded"
	fi
} > /run/lab/kvm.log 2>&1

sh /lab/l1-tests.sh
rc=$?
if ! [ -s /run/lab/verdict ]; then
	echo "nogap-lab: FAIL l1-tests.sh exited $rc without a verdict" > $RES
fi
sync
umount /out 2>/dev/null
poweroff -f
