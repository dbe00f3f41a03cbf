#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# check-install.sh - `make install` into temporary DESTDIRs (dkms itself is
# not run): every file lands where README.md says, the unit runs the
# installed nogapctl on the installed policy, the installed default policy
# passes `nogapctl policy check`, a changed policy survives a second install
# and an uninstall, PREFIX moves what it should, the bash completion
# completes (commands as `nogapctl help` lists them, options, files, VM ids
# and functions from a stand-in nogapctl), and the DKMS source tree
# holds everything nogap.ko needs (it is built against one kernel's headers
# when they are installed; NOGAP_CHECK_INSTALL_BUILD=0 skips that).
set -euo pipefail
cd "$(dirname "$0")/.."

fails=0
bad() { echo "check-install: FAIL: $*"; fails=$((fails + 1)); }
need_file() { [[ -f $1 ]] || bad "missing $1"; }

d=$(mktemp -d)
d2=$(mktemp -d)
d3=$(mktemp -d)
trap 'rm -rf "$d" "$d2" "$d3"' EXIT
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' kmod/dkms.conf)

make -s install DESTDIR="$d" > "$d.log" 2>&1 || { cat "$d.log"; bad "make install DESTDIR=$d"; exit 1; }
rm -f "$d.log"

# the documented places (README.md, Install)
[[ -x $d/usr/sbin/nogapctl ]] || bad "no executable $d/usr/sbin/nogapctl"
need_file "$d/usr/share/man/man8/nogapctl.8"
need_file "$d/usr/share/doc/nogap/policy.md"
need_file "$d/etc/nogap/nogap.policy"
need_file "$d/usr/lib/systemd/system/nogap.service"
need_file "$d/usr/share/bash-completion/completions/nogapctl"
[[ -d $d/var/lib/nogap ]] || bad "no $d/var/lib/nogap"
src=$d/usr/src/nogap-$ver
for f in dkms.conf Kbuild Makefile compat.h nogap.h main.c netlink.c policy.c \
	 core/insn.c core/ng_env.h uapi/linux/nogap.h; do
	need_file "$src/$f"
done
# every source of the module is in the tree
for f in kmod/*.c kmod/*.h kmod/core/*.c kmod/core/*.h; do
	case $f in *.mod.c) continue ;; esac
	need_file "$src/${f#kmod/}"
done
grep -q "^PACKAGE_VERSION=\"$ver\"" "$src/dkms.conf" || bad "dkms.conf version"
cmp -s uapi/linux/nogap.h "$src/uapi/linux/nogap.h" || bad "uapi header differs"

# the unit: modprobe, then the installed nogapctl on the installed policy
unit=$d/usr/lib/systemd/system/nogap.service
grep -q '^ExecStart=/sbin/modprobe nogap$' "$unit" || bad "unit does not modprobe nogap"
grep -q '^ExecStart=/usr/sbin/nogapctl policy load /etc/nogap/nogap.policy$' "$unit" ||
	bad "unit does not load /etc/nogap/nogap.policy with /usr/sbin/nogapctl"
grep -q '/var/lib/nogap/\*\.sigdb' "$unit" || bad "unit does not load /var/lib/nogap/*.sigdb"
grep -q '@' "$unit" && bad "unit has unfilled @...@: $(grep '@' "$unit" | head -n1)"
if command -v systemd-analyze > /dev/null 2>&1; then
	# only the unit's syntax: the paths it names are under DESTDIR here
	# (the installed binary is under DESTDIR, the man page not indexed)
	if systemd-analyze verify "$unit" 2>&1 |
	   grep -vE 'is not executable|Command .man nogapctl' | grep .; then
		bad "systemd-analyze verify complains about the unit"
	fi
fi

# the installed default policy is valid
"$d/usr/sbin/nogapctl" policy check "$d/etc/nogap/nogap.policy" > /dev/null ||
	bad "installed default policy does not pass nogapctl policy check"
cmp -s etc/nogap/nogap.policy "$d/etc/nogap/nogap.policy" || bad "installed policy differs"

# the bash completion: valid bash; loaded into a bare bash (no
# bash-completion package) and called as bash calls it, with COMP_WORDS
# and COMP_CWORD, it completes. A stand-in nogapctl first in PATH answers
# `vm list -j` and `symbols 3 'sched*' -j` as nogap.ko does, or fails
# (NOGAP_FAKE_FAIL) as without the module.
comp=$d/usr/share/bash-completion/completions/nogapctl
bash -n "$comp" || bad "bash -n $comp"
mkdir "$d3/bin"
cat > "$d3/bin/nogapctl" <<'EOF'
#!/bin/sh
if [ -n "$NOGAP_FAKE_FAIL" ]; then
	echo "nogapctl: $1: nogap module not loaded (modprobe nogap)" >&2
	exit 1
fi
case "$*" in
"vm list -j")
	echo '{"vms":[{"id":3,"pid":4242,"vcpus":2,"state":"running","identified":true,"identify":{"state":"done"}},{"id":12,"pid":4343,"vcpus":1,"state":"running","identified":false,"identify":{"state":"queued"}}]}' ;;
"symbols 3 sched* -j")
	echo '{"vm":3,"pattern":"sched*","symbols":[{"name":"schedule","address":"0xffffffff81a00000","size":160},{"name":"schedule_timeout","address":"0xffffffff81a000a0","size":208}]}' ;;
*)	echo "nogapctl: unexpected: $*" >&2; exit 2 ;;
esac
EOF
chmod +x "$d3/bin/nogapctl"
# completions WORD...: what completing the last WORD offers, sorted, on
# one line (its stderr in $d3/err)
completions() {
	PATH=$d3/bin:$PATH LC_ALL=C bash --norc --noprofile -c '
		comp=$1
		shift
		. "$comp" || exit 1
		[[ $(complete -p nogapctl) == "complete -F _nogapctl nogapctl" ]] ||
			{ echo "not registered for nogapctl" >&2; exit 1; }
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_nogapctl nogapctl "${COMP_WORDS[COMP_CWORD]}" \
			"${COMP_WORDS[COMP_CWORD - 1]}" || exit 1
		printf "%s\n" "${COMPREPLY[@]}" | sort | paste -sd " " -
	' bash "$comp" "$@" 2> "$d3/err"
}
# expect WANT WORD...: completing the last WORD offers WANT, nothing on stderr
expect() {
	local want=$1 got

	shift
	if ! got=$(completions "$@"); then
		bad "completion of '$*' fails: $(head -n1 "$d3/err")"
		return
	fi
	[[ $got == "$want" ]] || bad "completion of '$*' offers '$got', not '$want'"
	[[ ! -s $d3/err ]] || bad "completion of '$*' writes to stderr: $(head -n1 "$d3/err")"
}
# the command names in the list `nogapctl help [GROUP]` prints
help_names() {
	"$d/usr/sbin/nogapctl" help "$@" |
		awk '/^Commands:$/ { on = 1; next } on && !NF { on = 0 }
		     on { sub(/^  /, ""); sub(/  .*/, ""); print }'
}
cmds=$(help_names | awk '{ print $1 }' | LC_ALL=C sort -u | paste -sd " " -)
[[ $cmds == *policy* ]] || bad "no commands in 'nogapctl help': '$cmds'"
expect "$cmds" nogapctl ''
for g in $(help_names | awk 'NF == 2 { print $1 }' | sort -u); do
	expect "$(help_names "$g" | awk '{ print $2 }' | LC_ALL=C sort | paste -sd " " -)" \
		nogapctl "$g" ''
done
expect "policy" nogapctl pol
expect "check load show test" nogapctl policy ''
expect "list" nogapctl -j vm ''
expect "--help --json --syslog -h -j" nogapctl monitor -
expect "--quiet" nogapctl watch 3 schedule --q
expect "--db --dump --help --json -h -j" nogapctl identify --dump vm.elf -
expect "$d/etc/nogap/nogap.policy" nogapctl policy load "$d/etc/nogap/nogap.p"
expect "$d/etc/nogap/nogap.policy" nogapctl sigdb build --dump = "$d/etc/nogap/nogap.p"
expect "hidden-process text-write" nogapctl policy test f.policy ''
expect "kthread=" nogapctl policy test f.policy hidden-process k
expect "no yes" nogapctl policy test f.policy hidden-process kthread =
expect "12 3" nogapctl identify ''
expect "12 3" nogapctl policy test f.policy text-write vm = ''
expect "schedule schedule_timeout" nogapctl call 3 sched
expect "" nogapctl help version ''
NOGAP_FAKE_FAIL=1 expect "" nogapctl bp list ''
NOGAP_FAKE_FAIL=1 expect "" nogapctl watch 3 sched

# a changed policy is never overwritten, and outlives uninstall
echo '# changed by the admin' >> "$d/etc/nogap/nogap.policy"
make -s install DESTDIR="$d" > /dev/null 2>&1 || bad "second make install"
grep -q 'changed by the admin' "$d/etc/nogap/nogap.policy" || bad "make install overwrote a changed policy"
make -s uninstall DESTDIR="$d" > /dev/null 2>&1 || bad "make uninstall"
for f in usr/sbin/nogapctl usr/share/man/man8/nogapctl.8 usr/lib/systemd/system/nogap.service \
	 usr/share/bash-completion/completions/nogapctl "usr/src/nogap-$ver"; do
	[[ ! -e $d/$f ]] || bad "$f left after uninstall"
done
grep -q 'changed by the admin' "$d/etc/nogap/nogap.policy" 2>/dev/null || bad "uninstall removed a changed policy"

# PREFIX
make -s install DESTDIR="$d2" PREFIX=/opt/nogap > /dev/null 2>&1 || bad "make install PREFIX=/opt/nogap"
[[ -x $d2/opt/nogap/sbin/nogapctl ]] || bad "PREFIX: no $d2/opt/nogap/sbin/nogapctl"
need_file "$d2/opt/nogap/lib/systemd/system/nogap.service"
need_file "$d2/opt/nogap/share/bash-completion/completions/nogapctl"
grep -q '^ExecStart=/opt/nogap/sbin/nogapctl policy load /etc/nogap/nogap.policy$' \
	"$d2/opt/nogap/lib/systemd/system/nogap.service" || bad "PREFIX: unit does not use /opt/nogap/sbin/nogapctl"
need_file "$d2/etc/nogap/nogap.policy"
make -s uninstall DESTDIR="$d2" PREFIX=/opt/nogap > /dev/null 2>&1 || bad "make uninstall PREFIX=/opt/nogap"
[[ ! -e $d2/etc/nogap/nogap.policy ]] || bad "uninstall left an unchanged policy"
[[ ! -e $d2/opt/nogap/share/bash-completion/completions/nogapctl ]] ||
	bad "PREFIX: uninstall left the bash completion"

# the DKMS tree builds as dkms would build it (MAKE[0] of dkms.conf)
if [[ ${NOGAP_CHECK_INSTALL_BUILD:-1} != 0 ]]; then
	hdr=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | head -n1 || true)
	if [[ -n $hdr ]]; then
		make -s install DESTDIR="$d2" > /dev/null 2>&1
		b=$d2/usr/src/nogap-$ver
		if make -C "$hdr" M="$b" modules > "$d2/build.log" 2>&1 && [[ -f $b/nogap.ko ]]; then
			echo "check-install: DKMS tree builds against ${hdr#/usr/src/linux-headers-}"
		else
			grep -E 'error|Error' "$d2/build.log" | head -n5
			bad "the DKMS tree does not build against $hdr"
		fi
	else
		echo "check-install: no kernel headers: DKMS tree not built"
	fi
fi

if [[ $fails -eq 0 ]]; then
	echo "check-install: pass"
else
	echo "check-install: $fails failure(s)"
	exit 1
fi
