#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# l1-tests.sh - the lab's assertions, run in L1 (the KVM host) by l1-init.sh.
#
#   l1-tests.sh             run the stage table in order, then write the
#                           verdict as the last line of the results port
#   l1-tests.sh --stage S   run stage S alone (the driver runs every stage
#                           this way, in a session of its own, so that a
#                           timeout can kill all it started)
#
# A stage is a function stage_NAME and a line in STAGES: its timeout, the
# stages it needs (it is BLOCKED, a failure, when one of them did not pass)
# and what it shows. A stage passes by returning 0, fails by calling fail
# (or any other exit status), and is skipped by calling skip (not a failure:
# it did not apply). To add a test, write a function and add a line.
#
# Results port lines (what the host's run.sh reads):
#   nogap-lab: stage NAME begin timeout=N
#     ...                                       commands, output, assertions
#   nogap-lab: stage NAME PASS|FAIL|SKIP|BLOCKED (Ns)[: reason]
#   nogap-lab: PASS | nogap-lab: FAIL <reason>  always the last line

STAGES='
share            30  -                    the 9p share of build/lab is mounted at /out
kvm              30  -                    kvm and kvm-amd loaded, /dev/kvm, nested paging on
l2_boot         300  kvm                  L2 boots under KVM in L1
l2_kallsyms     600  l2_boot              L2 sends its /proc/kallsyms (ground truth)
l2_heartbeat     60  l2_boot              L2 workload progresses
insmod           60  -                    insmod nogap.ko
monitor          30  insmod               nogapctl monitor -j runs (build/lab/monitor.jsonl)
vm_list          60  insmod,l2_boot       nogapctl vm list shows the running L2
vm_second       400  vm_list              a second L2 started later appears, and goes when stopped
sigdb_load      120  insmod               nogapctl sigdb load of the lab DB
identify        600  sigdb_load,vm_list   nogapctl identify VM --wait
symbols         300  identify,l2_kallsyms nogapctl symbols -j scored against the kallsyms of L2
payload     payload  l2_boot              LAB_L2_PAYLOAD run.sh in L2
rmmod_live       90  insmod,l2_boot       rmmod nogap while L2 runs; L2 keeps running
reinsmod         90  rmmod_live           insmod again; nogapctl status works
noadmin         120  reinsmod,vm_list     no CAP_NET_ADMIN: EPERM for sigdb load and symbols
nlfuzz          300  reinsmod             malformed netlink refused; module and DB still fine
teardown        120  -                    monitor stopped, L2 quits cleanly, nogap unloads
l1_kernel_log    30  -                    no warning, oops or BUG in the L1 kernel log
'

LAB=/lab
RUN=/run/lab
OUT=/out
RES=/dev/ttyS1
export PATH=/lab/bin:/usr/sbin:/usr/bin:/sbin:/bin

arg() { # arg NAME DEFAULT: value of NAME= on L1's kernel command line
	for w in $(cat /proc/cmdline); do
		case $w in "$1="*) echo "${w#*=}"; return ;; esac
	done
	echo "$2"
}
L2_SMP=$(arg lab.l2_smp 1)
L2_MEM=$(arg lab.l2_mem 256)
L2_BUSY=$(arg lab.l2_busy 0)
PAYLOAD_TIMEOUT=$(arg lab.payload_timeout 300)
MIN_RECALL=$(arg lab.min_recall 95)

# --- output -----------------------------------------------------------------

say() { echo "nogap-lab: $*" >> $RES; echo "nogap-lab: $*"; }
note() { echo "  $*" >> $RES; echo "  $*"; }
fail() { echo "$*" > $RUN/reason; note "FAIL: $*"; exit 1; }
skip() { echo "$*" > $RUN/reason; exit 3; }
now() { date +%s; }

# show FILE [N]: a command's output, at most N lines, on the results port
show() {
	local n=${2:-30} total
	total=$(wc -l < "$1")
	head -n "$n" "$1" | sed 's/^/  | /' | tee -a $RES
	[ "$total" -le "$n" ] || note "| ... ($total lines)"
}

# run CMD...: echo the command, run it, show its output; CMD's status.
# The output stays in $RUN/cmd.out.
run() {
	local rc
	note "+ $*"
	"$@" > $RUN/cmd.out 2>&1
	rc=$?
	show $RUN/cmd.out
	[ $rc -eq 0 ] || note "(exit status $rc)"
	return $rc
}

# must CMD...: run, or fail with the command's last line of output.
must() {
	run "$@" || fail "$*: $(tail -n1 $RUN/cmd.out)"
}

lastline() { [ -s "$1" ] && tail -n1 "$1" | tr -d '\r' || echo "(no output)"; }

# wait_until TIMEOUT CMD...: poll CMD every second until it succeeds.
wait_until() {
	local end=$(($(now) + $1))
	shift
	until "$@"; do
		[ "$(now)" -lt "$end" ] || return 1
		sleep 1
	done
}

# need_built NAME: the build step of NAME (nogap, nogapctl, sigdb, nlfuzz) went
# well, else fail with its reason.
need_built() {
	local st
	st=$(head -n1 $LAB/$1-build.txt 2>/dev/null || echo "FAIL no build status for $1")
	[ "$st" = ok ] || fail "${st#FAIL }"
}

nogapctl_present() {
	need_built nogapctl
	[ -x $LAB/bin/nogapctl ] || fail "nogapctl missing from the initramfs"
}

# --- L2 virtual machines ----------------------------------------------------
# Each has a tag and a directory $RUN/vm/TAG: pid, qemu.log, kallsyms.raw
# (from L2's virtio-serial port nogap.kallsyms; l2-init.sh falls back to its
# ttyS1, kallsyms-uart.raw, without one: a byte per nested exit, minutes),
# ctl.in (control port of L2, its ttyS2), mon.in/mon.out (QEMU monitor),
# vmid.

vm_dir() { echo $RUN/vm/$1; }
vm_pid() { cat $RUN/vm/$1/pid 2>/dev/null; }
vm_console() { cat $RUN/vm/$1/console; }

vm_alive() { # not gone and not a zombie
	local pid st
	pid=$(vm_pid $1)
	[ -n "$pid" ] || return 1
	st=$(awk '{ print $3 }' /proc/$pid/stat 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

# vm_start TAG SMP CONSOLE [KERNEL-ARGS]
vm_start() {
	local tag=$1 smp=$2 console=$3 extra=$4 d
	d=$(vm_dir $tag)
	rm -rf $d
	mkdir -p $d
	mkfifo $d/ctl.in $d/ctl.out $d/mon.in $d/mon.out
	: > $d/kallsyms.raw
	: > $d/kallsyms-uart.raw
	echo $console > $d/console
	note "+ qemu-system-x86_64 -enable-kvm -cpu host -m $L2_MEM -smp $smp ... ($tag)"
	# A shell waits for QEMU to log its exit status; QEMU's own pid comes
	# from -pidfile.
	setsid sh -c "qemu-system-x86_64 -name $tag -enable-kvm -cpu host \
		-m $L2_MEM -smp $smp \
		-nodefaults -no-user-config -display none -no-reboot \
		-kernel $LAB/l2/vmlinuz -initrd $LAB/l2/initramfs.cpio \
		-append 'console=ttyS0 panic=-1 oops=panic lab.tag=$tag lab.busy=$L2_BUSY $extra' \
		-serial file:$console -serial file:$d/kallsyms-uart.raw \
		-serial pipe:$d/ctl \
		-monitor pipe:$d/mon -pidfile $d/pidfile \
		-device virtio-serial-pci,id=vser \
		-chardev file,id=ks,path=$d/kallsyms.raw \
		-device virtserialport,bus=vser.0,chardev=ks,name=nogap.kallsyms
		echo \"qemu-system-x86_64 ($tag) exited with status \$?\"" \
		< /dev/null > $OUT/$tag-qemu.log 2>&1 &
	ln -sf $OUT/$tag-qemu.log $d/qemu.log
	wait_until 20 test -s $d/pidfile || fail "$tag: QEMU wrote no pidfile: $(lastline $d/qemu.log)"
	cp $d/pidfile $d/pid	# QEMU removes its pidfile when it exits
	# Drain the monitor's output so that QEMU never blocks on it.
	setsid sh -c "exec cat $d/mon.out > $OUT/$tag-monitor.log" < /dev/null > /dev/null 2>&1 &
	echo $! > $d/mon.reader
	note "$tag: qemu pid $(vm_pid $tag)"
}

vm_stop() { # quit through the monitor, then signals; 0 when QEMU quit by itself
	local tag=$1 d pid
	d=$(vm_dir $tag)
	pid=$(vm_pid $tag)
	[ -n "$pid" ] || return 0
	if vm_alive $tag; then
		echo quit > $d/mon.in &
		wait_until 20 sh -c "! kill -0 $pid 2>/dev/null || grep -q ' Z ' /proc/$pid/stat"
	fi
	kill $(cat $d/mon.reader 2>/dev/null) 2>/dev/null
	if vm_alive $tag; then
		note "$tag: QEMU did not quit, SIGTERM"
		kill $pid
		sleep 5
		vm_alive $tag && kill -9 $pid
		return 1
	fi
	return 0
}

vm_heartbeat() { # the last heartbeat number L2 printed (0: none yet)
	local n
	n=$(tr -d '\r' < "$(vm_console $1)" 2>/dev/null |
		sed -n 's/.*@@L2-HEARTBEAT@@ \([0-9]*\).*/\1/p' | tail -n1)
	echo ${n:-0}
}

vm_console_has() {
	[ -f "$(vm_console $1)" ] && tr -d '\r' < "$(vm_console $1)" | grep -q "$2"
}

# vm_wait_boot TAG TIMEOUT: fail unless L2 printed its boot marker in time.
vm_wait_boot() {
	local tag=$1 t0
	t0=$(now)
	until vm_console_has $tag '@@L2-BOOTED@@'; do
		vm_alive $tag || fail "$tag: QEMU exited: $(lastline $(vm_dir $tag)/qemu.log)"
		[ $(($(now) - t0)) -lt $2 ] || fail "$tag: no boot marker after $2 s: $(lastline "$(vm_console $tag)")"
		sleep 1
	done
	note "$tag: booted in $(($(now) - t0)) s: $(tr -d '\r' < "$(vm_console $tag)" | grep -m1 '@@L2-BOOTED@@')"
}

# vm_listed PID: nogapctl vm list -j has a VM of QEMU process PID; its row
# (id pid vcpus) in $RUN/vm-row.
vm_listed() {
	if ! $LAB/bin/nogapctl vm list -j > $RUN/vms.json 2> $RUN/vms.err; then
		# no use waiting for a command that does not exist
		grep -q 'unknown command' $RUN/vms.err &&
			fail "nogapctl vm list -j: $(lastline $RUN/vms.err)"
		return 1
	fi
	labjson rows vms id pid vcpus < $RUN/vms.json > $RUN/vms.rows 2>> $RUN/vms.err || return 1
	awk -v p="$1" '$2 == p' $RUN/vms.rows > $RUN/vm-row
	[ -s $RUN/vm-row ]
}

vm_id() { cat $RUN/vm/$1/vmid 2>/dev/null; }

# l2_run TAG NAME TIMEOUT: run scenario tests/lab/l2/NAME.sh in L2 (through
# its control port) and wait for it to end; its status ("missing" when L2
# has no such scenario) in $RUN/l2run.rc. Scenarios that start something
# long-running put it in the background and print what the stage needs on
# the console (a pid, say).
l2_run() {
	local tag=$1 name=$2 t0 n0 n1 con
	con=$(vm_console $tag)
	n0=$(tr -d '\r' < "$con" | grep -c "@@L2-RUN-END@@ $name ")
	note "L2 ($tag): run $name"
	echo "run $name" > $(vm_dir $tag)/ctl.in
	t0=$(now)
	while :; do
		n1=$(tr -d '\r' < "$con" | grep -c "@@L2-RUN-END@@ $name ")
		[ "$n1" -gt "$n0" ] && break
		vm_alive $tag || fail "$tag exited during scenario $name"
		[ $(($(now) - t0)) -lt "$3" ] || fail "scenario $name still running after $3 s"
		sleep 1
	done
	tr -d '\r' < "$con" | sed -n "s/.*@@L2-RUN-END@@ $name rc=\([^ ]*\).*/\1/p" | tail -n1 > $RUN/l2run.rc
	note "scenario $name ended in $(($(now) - t0)) s, rc=$(cat $RUN/l2run.rc)"
}

# --- monitor ------------------------------------------------------------------

monitor_start() {
	setsid $LAB/bin/nogapctl monitor -j >> $OUT/monitor.jsonl 2>> $RUN/monitor.err < /dev/null &
	echo $! > $RUN/monitor.pid
	sleep 3
	if ! kill -0 $(cat $RUN/monitor.pid) 2>/dev/null ||
	   grep -q ' Z ' /proc/$(cat $RUN/monitor.pid)/stat 2>/dev/null; then
		fail "nogapctl monitor -j exited: $(lastline $RUN/monitor.err)"
	fi
	note "nogapctl monitor -j running, pid $(cat $RUN/monitor.pid), appending to build/lab/monitor.jsonl"
}

monitor_running() {
	[ -s $RUN/monitor.pid ] && kill -0 $(cat $RUN/monitor.pid) 2>/dev/null &&
		! grep -q ' Z ' /proc/$(cat $RUN/monitor.pid)/stat 2>/dev/null
}

kernel_log_new() { # kernel messages since the stage began
	dmesg | awk -v n="$(cat $RUN/dmesg.lines 2>/dev/null || echo 0)" 'NR > n'
}

# =============================================================================
# Stages

stage_share() {
	grep -q '9p: mounted' $RUN/share.log ||
		{ show $RUN/share.log; fail "9p share not mounted: $(lastline $RUN/share.log)"; }
	echo "probe $(date)" > $OUT/.l1-probe && grep -q probe $OUT/.l1-probe ||
		fail "cannot write to the 9p share"
	rm -f $OUT/.l1-probe
	note "build/lab is /out (9p, virtio)"
}

stage_kvm() {
	show $RUN/kvm.log
	grep -q 'kvm: loaded' $RUN/kvm.log || fail "kvm modules: $(lastline $RUN/kvm.log)"
	[ -c /dev/kvm ] || fail "no /dev/kvm"
	local npt
	npt=$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null)
	note "kvm_amd npt=$npt nested=$(cat /sys/module/kvm_amd/parameters/nested 2>/dev/null)"
	case $npt in Y|1) ;; *) fail "nested paging is off (kvm_amd npt=$npt)" ;; esac
	dmesg | grep -iE 'svm|nested paging' | sed 's/^/  | /' | tee -a $RES
}

kvm_exits() { cat /sys/kernel/debug/kvm/exits 2>/dev/null || echo '?'; }

stage_l2_boot() {
	vm_start l2 $L2_SMP $OUT/l2-console.log
	vm_wait_boot l2 280
	note "KVM exits in L1 so far: $(kvm_exits)"
}

stage_l2_kallsyms() {
	local d t0 n raw
	d=$(vm_dir l2)
	t0=$(now)
	wait_until 60 vm_console_has l2 '@@L2-KALLSYMS@@' ||
		fail "L2 did not start sending its kallsyms"
	note "$(tr -d '\r' < $OUT/l2-console.log | grep -m1 '@@L2-KALLSYMS@@')"
	raw=$d/kallsyms.raw
	vm_console_has l2 '@@L2-KALLSYMS@@ sending to /dev/ttyS1' && {
		raw=$d/kallsyms-uart.raw
		note "no virtio-serial port in L2: kallsyms over the UART takes minutes"
	}
	until grep -q '@@NOGAP-KALLSYMS-END@@' $raw; do
		vm_alive l2 || fail "L2 QEMU exited"
		[ $(($(now) - t0)) -lt 580 ] || fail "no kallsyms end marker ($(wc -c < $raw) bytes so far)"
		sleep 1
	done
	tr -d '\r' < $raw | awk '
		$0 == "@@NOGAP-KALLSYMS-END@@" { exit }
		on { print }
		$0 == "@@NOGAP-KALLSYMS-BEGIN@@" { on = 1 }' > $RUN/l2.kallsyms
	n=$(wc -l < $RUN/l2.kallsyms)
	cp $RUN/l2.kallsyms $OUT/l2-kallsyms.txt
	note "kallsyms: $n lines in $(($(now) - t0)) s, build/lab/l2-kallsyms.txt"
	note "$(grep -E ' [Tt] _stext$' $RUN/l2.kallsyms)"
	[ "$n" -gt 50000 ] || fail "kallsyms has only $n lines"
	grep -Eq '^[0-9a-f]*[1-9a-f][0-9a-f]* [Tt] _stext$' $RUN/l2.kallsyms ||
		fail "kallsyms has no non-zero _stext (kptr_restrict?)"
}

stage_l2_heartbeat() {
	local a b e
	wait_until 60 sh -c "[ \$(tr -d '\r' < $OUT/l2-console.log | grep -c '@@L2-HEARTBEAT@@') -gt 0 ]" ||
		fail "no heartbeat from L2"
	a=$(vm_heartbeat l2)
	e=$(kvm_exits)
	sleep 5
	b=$(vm_heartbeat l2)
	note "heartbeat $a -> $b in 5 s; KVM exits $e -> $(kvm_exits)"
	[ "$b" -gt "$a" ] || fail "L2 heartbeat stuck at $a"
}

stage_insmod() {
	need_built nogap
	[ -f $LAB/nogap.ko ] || fail "nogap.ko not built"
	must insmod $LAB/nogap.ko
	[ -d /sys/module/nogap ] || fail "no /sys/module/nogap after insmod"
	kernel_log_new | sed 's/^/  | /' | tee -a $RES
}

stage_monitor() {
	nogapctl_present
	: > $OUT/monitor.jsonl
	monitor_start
}

stage_vm_list() {
	nogapctl_present
	local pid
	pid=$(vm_pid l2)
	if ! wait_until 30 vm_listed $pid; then
		show $RUN/vms.json
		fail "nogapctl vm list -j: no VM with QEMU pid $pid: $(lastline $RUN/vms.err)"
	fi
	run cat $RUN/vms.json
	note "L2: $(cat $RUN/vm-row) (id pid vcpus)"
	awk '{ print $1 }' $RUN/vm-row > $(vm_dir l2)/vmid
	[ "$(awk '{ print $3 }' $RUN/vm-row)" = "$L2_SMP" ] ||
		fail "vm list says $(awk '{ print $3 }' $RUN/vm-row) vCPUs, L2 has $L2_SMP"
}

stage_vm_second() {
	local pid
	vm_start l2b 1 $OUT/l2b-console.log lab.kallsyms=0
	vm_wait_boot l2b 280
	pid=$(vm_pid l2b)
	wait_until 30 vm_listed $pid ||
		{ show $RUN/vms.json; fail "second L2 (pid $pid) not in nogapctl vm list"; }
	note "second L2 listed: $(cat $RUN/vm-row)"
	vm_listed $(vm_pid l2) || fail "first L2 no longer listed"
	vm_stop l2b || fail "second L2 did not quit"
	note "second L2 stopped"
	wait_until 30 sh -c "! sh $0 --call vm_listed $pid" ||
		{ show $RUN/vms.json; fail "second L2 still listed after it quit"; }
	note "second L2 gone from vm list"
}

stage_sigdb_load() {
	nogapctl_present
	need_built sigdb
	note "db: $(ls -l $LAB/db.sigdb | awk '{ print $5 }') bytes"
	must nogapctl sigdb load $LAB/db.sigdb
}

stage_identify() {
	local id t0
	id=$(vm_id l2)
	[ -n "$id" ] || fail "no VM id for L2"
	t0=$(now)
	must nogapctl identify "$id" --wait
	note "identify took $(($(now) - t0)) s"
}

stage_symbols() {
	local id line recall
	id=$(vm_id l2)
	note "+ nogapctl symbols $id -j > build/lab/l2-symbols.json"
	nogapctl symbols "$id" -j > $OUT/l2-symbols.json 2> $RUN/symbols.err ||
		fail "nogapctl symbols $id -j: $(lastline $RUN/symbols.err)"
	labjson check < $OUT/l2-symbols.json 2> $RUN/symbols.err ||
		fail "symbols output: $(lastline $RUN/symbols.err)"
	labjson rows symbols name address < $OUT/l2-symbols.json > $RUN/named ||
		fail "symbols output has no \"symbols\" array"
	line=$(awk -f $LAB/score.awk $RUN/l2.kallsyms $RUN/named) ||
		fail "scoring failed"
	echo "$line" | tee -a $RES
	recall=$(echo "$line" | sed -n 's/^recall=\([0-9.]*\) .*/\1/p')
	awk -v r="$recall" -v m="$MIN_RECALL" 'BEGIN { exit !(r + 0 >= m + 0) }' ||
		fail "recall $recall% < $MIN_RECALL%"
}

stage_payload() {
	local d t0 rc
	[ -e $LAB/payload ] || skip "no LAB_L2_PAYLOAD"
	vm_alive l2 || fail "L2 is not running"
	d=$(vm_dir l2)
	note "payload: run-payload -> L2 (timeout $PAYLOAD_TIMEOUT s)"
	echo run-payload > $d/ctl.in
	t0=$(now)
	until vm_console_has l2 '@@LAB-PAYLOAD-END@@'; do
		vm_alive l2 || fail "L2 exited during the payload"
		[ $(($(now) - t0)) -lt "$PAYLOAD_TIMEOUT" ] ||
			fail "payload still running after $PAYLOAD_TIMEOUT s"
		sleep 1
	done
	rc=$(tr -d '\r' < $OUT/l2-console.log | sed -n 's/.*@@LAB-PAYLOAD-END@@ rc=\([^ ]*\).*/\1/p' | tail -n1)
	note "payload finished in $(($(now) - t0)) s, rc=$rc (output in build/lab/l2-console.log)"
	[ "$rc" = 0 ] || fail "payload run.sh exited $rc"
}

stage_rmmod_live() {
	local a
	vm_alive l2 || fail "L2 is not running"
	a=$(vm_heartbeat l2)
	must rmmod nogap
	[ ! -d /sys/module/nogap ] || fail "nogap still loaded after rmmod"
	kernel_log_new | sed 's/^/  | /' | tee -a $RES
	wait_until 30 sh -c "[ \$(sh $0 --call vm_heartbeat l2) -ge $((a + 3)) ]" ||
		fail "L2 heartbeat stuck at $(vm_heartbeat l2) after rmmod (was $a)"
	vm_alive l2 || fail "L2 died after rmmod"
	note "L2 heartbeat $a -> $(vm_heartbeat l2) across rmmod"
	if monitor_running; then
		note "nogapctl monitor still running after rmmod"
	else
		note "nogapctl monitor exited after rmmod: $(lastline $RUN/monitor.err)"
	fi
}

stage_reinsmod() {
	must insmod $LAB/nogap.ko
	must nogapctl status
	nogapctl status -j > $RUN/status.json 2>&1 || fail "nogapctl status -j: $(lastline $RUN/status.json)"
	labjson check < $RUN/status.json 2> $RUN/cmd.out || fail "status -j: $(lastline $RUN/cmd.out)"
	if ! monitor_running; then
		note "restarting nogapctl monitor -j"
		monitor_start
	fi
}

# eperm CMD...: CMD without CAP_NET_ADMIN must fail with EPERM.
eperm() {
	if run dropcap -c net_admin "$@"; then
		fail "$* succeeded without CAP_NET_ADMIN"
	fi
	grep -qE 'Operation not permitted|EPERM' $RUN/cmd.out ||
		fail "$* without CAP_NET_ADMIN: not EPERM: $(lastline $RUN/cmd.out)"
}

stage_noadmin() {
	local eff id
	eff=$(dropcap -c net_admin awk '/^CapEff/ { print $2 }' /proc/self/status)
	note "dropcap: CapEff=$eff"
	case $eff in
	*[13579bdf]???) fail "dropcap left CAP_NET_ADMIN in place ($eff)" ;;
	esac
	vm_listed $(vm_pid l2) || fail "L2 not in vm list: $(lastline $RUN/vms.err)"
	id=$(awk '{ print $1 }' $RUN/vm-row)
	eperm nogapctl sigdb load $LAB/db.sigdb
	eperm nogapctl symbols "$id" -j
	# The same as root is refused for another reason, if at all.
	run nogapctl symbols "$id" -j > /dev/null
	! grep -qE 'Operation not permitted|EPERM' $RUN/cmd.out ||
		fail "symbols is EPERM as root too"
}

stage_nlfuzz() {
	need_built nlfuzz
	local id
	vm_listed $(vm_pid l2) && id=$(awk '{ print $1 }' $RUN/vm-row)
	must nogapctl sigdb load $LAB/db.sigdb
	run env LAB_DB=$LAB/db.sigdb LAB_VMID="$id" nlfuzz ||
		fail "$(lastline $RUN/cmd.out | sed 's/^nlfuzz: //')"
	grep -q '^nlfuzz: PASS' $RUN/cmd.out || fail "nlfuzz printed no PASS"
	[ -d /sys/module/nogap ] || fail "nogap unloaded itself during nlfuzz"
	must nogapctl status
}

stage_teardown() {
	local bad=""
	if [ -s $RUN/monitor.pid ]; then
		if monitor_running; then
			kill -INT $(cat $RUN/monitor.pid)
			wait_until 10 sh -c "! sh $0 --call monitor_running" ||
				{ kill -9 $(cat $RUN/monitor.pid); bad="nogapctl monitor ignored SIGINT"; }
		fi
		note "monitor.jsonl: $(labjson lines < $OUT/monitor.jsonl 2> $RUN/cmd.out || echo invalid) lines"
		[ -s $RUN/cmd.out ] && bad=${bad:-"monitor.jsonl: $(lastline $RUN/cmd.out)"}
	fi
	for tag in l2b l2; do
		[ -d $(vm_dir $tag) ] || continue
		if vm_stop $tag; then
			note "$tag: QEMU quit on 'quit'"
			[ -s $(vm_dir $tag)/qemu.log ] && show $(vm_dir $tag)/qemu.log
		else
			bad=${bad:-"$tag: QEMU did not quit on 'quit'"}
		fi
	done
	if [ -d /sys/module/nogap ]; then
		run rmmod nogap || bad=${bad:-"rmmod nogap with no VM left: $(lastline $RUN/cmd.out)"}
	fi
	[ -z "$bad" ] || fail "$bad"
}

stage_l1_kernel_log() {
	dmesg > $OUT/l1-dmesg.log
	grep -E 'WARNING: CPU|cut here|BUG:|Oops|general protection fault|Call Trace|UBSAN:|KASAN:|kmemleak|blocked for more than|soft lockup|rcu.*stall|Out of memory|oom-kill|segfault|traps:' \
		$OUT/l1-dmesg.log > $RUN/bad.log
	if [ -s $RUN/bad.log ]; then
		show $RUN/bad.log 20
		fail "L1 kernel log: $(head -n1 $RUN/bad.log)"
	fi
	note "L1 kernel log clean ($(wc -l < $OUT/l1-dmesg.log) lines, build/lab/l1-dmesg.log)"
}

# =============================================================================
# Driver

run_stage() { # name timeout needs: run one stage under its timeout
	local name=$1 tmo=$2 needs=$3 d st t0 pid rc wrc reason
	for d in $(echo "$needs" | tr ',' ' '); do
		[ "$d" = - ] && continue
		st=$(cat $RUN/status/$d 2>/dev/null || echo "not run")
		if [ "$st" != PASS ]; then
			echo BLOCKED > $RUN/status/$name
			say "stage $name BLOCKED (needs $d: $st)"
			return
		fi
	done
	say "stage $name begin timeout=$tmo"
	# Hooks to test the host's watchdog: lab.hang=STAGE stops L1's test
	# driver, lab.panic=STAGE crashes L1's kernel, as the stage begins.
	[ "$(arg lab.hang -)" = $name ] && kill -STOP $$
	[ "$(arg lab.panic -)" = $name ] && echo c > /proc/sysrq-trigger
	rm -f $RUN/reason
	dmesg | wc -l > $RUN/dmesg.lines
	t0=$(now)
	setsid sh $0 --stage $name < /dev/null >> $OUT/stages/$name.log 2>&1 &
	pid=$!
	rc=""
	while kill -0 $pid 2>/dev/null; do
		if [ $(($(now) - t0)) -ge "$tmo" ]; then
			kill -TERM -$pid 2>/dev/null
			sleep 2
			kill -KILL -$pid 2>/dev/null
			rc=timeout
			break
		fi
		sleep 0.3
	done
	wait $pid
	wrc=$?
	[ -n "$rc" ] || rc=$wrc
	case $rc in
	0) st=PASS ;;
	3) st=SKIP ;;
	*) st=FAIL ;;
	esac
	reason=$(cat $RUN/reason 2>/dev/null)
	[ "$rc" = timeout ] && reason="timed out after $tmo s"
	[ "$st" = FAIL ] && [ -z "$reason" ] && reason="exit status $rc"
	echo $st > $RUN/status/$name
	say "stage $name $st ($(($(now) - t0))s)${reason:+: $reason}"
	if [ "$st" = FAIL ] && [ ! -s $RUN/first-fail ]; then
		echo "$name: $reason" > $RUN/first-fail
	fi
}

main() {
	local t0 name tmo needs desc summary="" nfail=0 nblock=0 st v want
	t0=$(now)
	mkdir -p $RUN/status $OUT/stages
	rm -f $OUT/stages/*.log $RUN/first-fail
	say "L1 $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB;" \
		"L2: $L2_SMP vCPU, $L2_MEM MiB; payload timeout $PAYLOAD_TIMEOUT s; min recall $MIN_RECALL%"
	[ -f $LAB/build-info.txt ] && say "build: $(tr '\n' ' ' < $LAB/build-info.txt)"
	# lab.stages=A,B (LAB_STAGES): only those, what they need, and the
	# final checks; the others are skipped and the verdict says so.
	want=$(arg lab.stages all)
	if [ "$want" != all ]; then
		want=",$want,teardown,l1_kernel_log,"
		for name in $(echo "$STAGES" | awk 'NF { print $1 }' | tac); do
			case $want in *",$name,"*) ;; *) continue ;; esac
			needs=$(echo "$STAGES" | awk -v n=$name '$1 == n { print $3 }')
			[ "$needs" = - ] || want="$want$needs,"
		done
		say "stages selected (lab.stages): $want"
	fi
	while read -r name tmo needs desc; do
		[ -n "$name" ] || continue
		[ "$tmo" = payload ] && tmo=$((PAYLOAD_TIMEOUT + 60))
		case $want in
		all | *",$name,"*) run_stage $name $tmo $needs ;;
		*) echo SKIP > $RUN/status/$name
		   say "stage $name SKIP (not selected)" ;;
		esac
	done <<EOF
$STAGES
EOF
	while read -r name tmo needs desc; do
		[ -n "$name" ] || continue
		st=$(cat $RUN/status/$name)
		summary="$summary $name=$st"
		case $st in
		FAIL) nfail=$((nfail + 1)) ;;
		BLOCKED) nblock=$((nblock + 1)) ;;
		esac
	done <<EOF
$STAGES
EOF
	say "summary:$summary"
	say "total $(($(now) - t0)) s in L1"
	if [ $nfail -eq 0 ] && [ $nblock -eq 0 ]; then
		v="PASS"
		[ "$want" = all ] || v="PASS (partial run: lab.stages)"
	else
		v="FAIL $(cat $RUN/first-fail 2>/dev/null || echo '?')"
		[ $((nfail + nblock)) -le 1 ] ||
			v="$v (stages: $nfail failed, $nblock blocked)"
	fi
	echo "$v" > $RUN/verdict
	say "$v"
}

case $1 in
--stage)
	stage_$2
	;;
--call)	# helpers for sh -c conditions in wait_until
	shift
	"$@"
	;;
*)
	main
	;;
esac
