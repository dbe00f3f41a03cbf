#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# l2-init.sh - PID 1 of the lab's guest (L2), a KVM guest of L1.
#
#   ttyS0  console: boot log, "@@L2-HEARTBEAT@@ N" every second, payload output
#   ttyS1  /proc/kallsyms between begin/end markers (ground truth for L1),
#          unless a virtio-serial port named nogap.kallsyms exists: that one
#          is used instead (a UART costs a nested VM exit a byte: 4 MB of
#          kallsyms took 7 minutes on ttyS1, a few seconds on virtio)
#   ttyS2  control from L1: a line "run-payload" runs /payload/run.sh
#
# Kernel command line: lab.tag=NAME (printed in markers), lab.busy=1 (add a
# busy loop to the workload), lab.kallsyms=0 (skip the kallsyms transfer).
/bin/busybox mkdir -p /proc /sys /dev /tmp /run
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp
echo 0 > /proc/sys/kernel/kptr_restrict

arg() { # arg NAME DEFAULT: value of NAME= on the kernel command line
	for w in $(cat /proc/cmdline); do
		case $w in "$1="*) echo "${w#*=}"; return ;; esac
	done
	echo "$2"
}
TAG=$(arg lab.tag l2)

echo "@@L2-BOOTED@@ tag=$TAG kernel=$(uname -r) cpus=$(nproc) uptime=$(cut -d' ' -f1 /proc/uptime)"

# Workload: a heartbeat (a fork+exec a second) and, on request, a busy loop.
(
	i=0
	while :; do
		i=$((i + 1))
		echo "@@L2-HEARTBEAT@@ $i"
		sleep 1
	done
) &
if [ "$(arg lab.busy 0)" = 1 ]; then
	( while :; do :; done ) &
	echo "@@L2-BUSY@@ pid $!"
fi

modload() { # modload NAME: insmod NAME.ko after its dependencies
	local m=$1 d
	[ -d /sys/module/$m ] && return 0
	[ -f /lib/modules/$m.ko ] || [ -f /lab/modules/$m.ko ] || return 0	# built in
	for d in $(awk -v m="$m" '$1 == m { $1 = ""; print }' /lib/modules/deps.txt); do
		modload "$d" || return 1
	done
	insmod /lib/modules/$m.ko
}

# Ground truth: this boot's kallsyms on the second serial port.
if [ "$(arg lab.kallsyms 1)" = 1 ]; then
	KS=/dev/ttyS1
	if modload virtio_console && modload virtio_pci; then
		# the port shows up once the device has been probed: wait for it
		i=0
		while [ $KS = /dev/ttyS1 ] && [ $i -lt 300 ]; do
			for p in /sys/class/virtio-ports/*; do
				[ "$(cat $p/name 2>/dev/null)" = nogap.kallsyms ] &&
					KS=/dev/${p##*/}
			done
			[ $KS = /dev/ttyS1 ] && sleep 0.1
			i=$((i + 1))
		done
	fi
	[ $KS = /dev/ttyS1 ] && stty -F /dev/ttyS1 raw -echo 2>/dev/null
	echo "@@L2-KALLSYMS@@ sending to $KS"
	{
		echo '@@NOGAP-KALLSYMS-BEGIN@@'
		cat /proc/kallsyms
		echo '@@NOGAP-KALLSYMS-END@@'
	} > $KS
	echo "@@L2-KALLSYMS-SENT@@ uptime=$(cut -d' ' -f1 /proc/uptime)"
fi

# Payload: run when L1 says so (module attached, identification done).
stty -F /dev/ttyS2 raw -echo 2>/dev/null
while read -r cmd < /dev/ttyS2; do
	case $cmd in
	run-payload)
		if [ -f /payload/run.sh ]; then
			echo "@@LAB-PAYLOAD-BEGIN@@"
			(cd /payload && sh ./run.sh)
			echo "@@LAB-PAYLOAD-END@@ rc=$?"
		else
			echo "@@LAB-PAYLOAD-END@@ rc=none"
		fi
		;;
	run\ *)
		# a scenario of tests/lab/l2/: its output on the console
		name=${cmd#run }
		case $name in
		*[!a-z0-9_-]*|'') echo "@@L2-CTL@@ bad scenario name: $name" ;;
		*)
			if [ -f /lab2/$name.sh ]; then
				echo "@@L2-RUN-BEGIN@@ $name"
				(cd /lab2 && sh ./$name.sh)
				echo "@@L2-RUN-END@@ $name rc=$?"
			else
				echo "@@L2-RUN-END@@ $name rc=missing"
			fi
			;;
		esac
		;;
	'') ;;
	*) echo "@@L2-CTL@@ unknown command: $cmd" ;;
	esac
done
echo "@@L2-CTL@@ control port closed"
while :; do sleep 1000; done
