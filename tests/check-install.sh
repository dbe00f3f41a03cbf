#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# check-install.sh - `make install` into temporary DESTDIRs (dkms itself is
# not run): every file lands where README.md says, the unit runs the
# installed nogapctl on the installed policy, the installed default policy
# passes `nogapctl policy check`, a changed policy survives a second install
# and an uninstall, PREFIX moves what it should, and the DKMS source tree
# holds everything nogap.ko needs (it is built against one kernel's headers
# when they are installed; NOGAP_CHECK_INSTALL_BUILD=0 skips that).
set -euo pipefail
cd "$(dirname "$0")/.."

fails=0
bad() { echo "check-install: FAIL: $*"; fails=$((fails + 1)); }
need_file() { [[ -f $1 ]] || bad "missing $1"; }

d=$(mktemp -d)
d2=$(mktemp -d)
trap 'rm -rf "$d" "$d2"' EXIT
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' kmod/dkms.conf)

make -s install DESTDIR="$d" > "$d.log" 2>&1 || { cat "$d.log"; bad "make install DESTDIR=$d"; exit 1; }
rm -f "$d.log"

# the documented places (README.md, Install)
[[ -x $d/usr/sbin/nogapctl ]] || bad "no executable $d/usr/sbin/nogapctl"
need_file "$d/usr/share/man/man8/nogapctl.8"
need_file "$d/usr/share/doc/nogap/policy.md"
need_file "$d/etc/nogap/nogap.policy"
need_file "$d/usr/lib/systemd/system/nogap.service"
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

# a changed policy is never overwritten, and outlives uninstall
echo '# changed by the admin' >> "$d/etc/nogap/nogap.policy"
make -s install DESTDIR="$d" > /dev/null 2>&1 || bad "second make install"
grep -q 'changed by the admin' "$d/etc/nogap/nogap.policy" || bad "make install overwrote a changed policy"
make -s uninstall DESTDIR="$d" > /dev/null 2>&1 || bad "make uninstall"
for f in usr/sbin/nogapctl usr/share/man/man8/nogapctl.8 usr/lib/systemd/system/nogap.service \
	 "usr/src/nogap-$ver"; do
	[[ ! -e $d/$f ]] || bad "$f left after uninstall"
done
grep -q 'changed by the admin' "$d/etc/nogap/nogap.policy" 2>/dev/null || bad "uninstall removed a changed policy"

# PREFIX
make -s install DESTDIR="$d2" PREFIX=/opt/nogap > /dev/null 2>&1 || bad "make install PREFIX=/opt/nogap"
[[ -x $d2/opt/nogap/sbin/nogapctl ]] || bad "PREFIX: no $d2/opt/nogap/sbin/nogapctl"
need_file "$d2/opt/nogap/lib/systemd/system/nogap.service"
grep -q '^ExecStart=/opt/nogap/sbin/nogapctl policy load /etc/nogap/nogap.policy$' \
	"$d2/opt/nogap/lib/systemd/system/nogap.service" || bad "PREFIX: unit does not use /opt/nogap/sbin/nogapctl"
need_file "$d2/etc/nogap/nogap.policy"
make -s uninstall DESTDIR="$d2" PREFIX=/opt/nogap > /dev/null 2>&1 || bad "make uninstall PREFIX=/opt/nogap"
[[ ! -e $d2/etc/nogap/nogap.policy ]] || bad "uninstall left an unchanged policy"

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
