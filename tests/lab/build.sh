#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build.sh - build the lab (a KVM host inside QEMU) into build/lab/.
#
#   L1 kernel + kvm modules   the Debian kernel matching linux-headers-amd64
#                             (LAB_KERNEL overrides), from the Debian archive
#   nogap.ko                  built against that kernel's headers
#   nogapctl                  `make tools`; every library ldd lists
#   helpers                   dropcap, labjson (static), nlfuzz (if present)
#   db.sigdb                  signature DB from a reference boot of the same
#                             kernel (tests/eval/mkdump.sh + sigdb build)
#   l2-initramfs.cpio         busybox, /init = l2-init.sh, LAB_L2_PAYLOAD
#   l1-initramfs.cpio         busybox, /init = l1-init.sh, all of the above,
#                             the L2 kernel and QEMU with libraries + firmware
#
# Downloads are cached in ${NOGAP_CACHE:-$HOME/.cache/nogap}; every step is
# skipped when its inputs did not change. A module or nogapctl that does not
# build is not fatal here: the failure is recorded (build/lab/*-build.txt)
# and the lab reports it as a failed stage.
set -euo pipefail

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$LAB_SRC/../.." && pwd)
OUT=$TOP/build/lab
CACHE=$(realpath -m -- "${NOGAP_CACHE:-$HOME/.cache/nogap}")
COMPRESS=${LAB_INITRD_COMPRESS:-none}	# none | lz4 | gzip

log() { printf 'lab-build: %s\n' "$*" >&2; }
die() { printf 'lab-build: error: %s\n' "$*" >&2; exit 1; }
T0=$SECONDS
step() { log "[$((SECONDS - T0))s] $*"; }

case $CACHE/ in "$TOP"/*) die "cache $CACHE is inside the repository" ;; esac
for t in apt-get dpkg-deb modinfo cpio gcc make qemu-system-x86_64 file \
	 sha256sum ldd timeout; do
	command -v "$t" >/dev/null || die "missing host tool: $t"
done
mkdir -p "$OUT" "$CACHE"
if [[ -z ${LAB_LOCKED:-} ]]; then	# run.sh holds it already
	exec 9>"$TOP/build/.lab.lock"
	flock -n 9 || { log "waiting for another lab run (build/.lab.lock)"; flock 9; }
fi

# ---------------------------------------------------------------------------
# Which kernel: the ABI of the installed linux-headers-amd64.

lab_abi() {
	local abi dep
	if [[ -n ${LAB_KERNEL:-} ]]; then
		echo "$LAB_KERNEL"
		return
	fi
	dep=$(dpkg-query -W -f '${Depends}' linux-headers-amd64 2>/dev/null || true)
	abi=$(sed -n 's/.*linux-headers-\([^ ,]*-amd64\).*/\1/p' <<<"$dep")
	if [[ -z $abi ]]; then
		local -a hs=(/usr/src/linux-headers-*-amd64)
		((${#hs[@]} == 1)) && [[ -d ${hs[0]} ]] ||
			die "cannot tell the kernel from linux-headers-amd64; set LAB_KERNEL"
		abi=${hs[0]#/usr/src/linux-headers-}
	fi
	echo "$abi"
}
ABI=$(lab_abi)
[[ $ABI =~ ^[A-Za-z0-9.+~_-]+$ ]] || die "bad kernel ABI '$ABI'"
HDRS=/usr/src/linux-headers-$ABI
step "kernel $ABI"

# ---------------------------------------------------------------------------
# L1 kernel and the modules L1 loads (with their dependencies).

# L1: kvm for the lab, the 9p stack for the shared directory.
# Their dependencies come along (modinfo); they differ between kernels.
MODS=(kvm_amd virtio_pci 9pnet_virtio 9p)
# L2: virtio-serial, to send its kallsyms (a 16550 UART costs a nested exit
# a byte: 4 MB took over 7 minutes).
L2_MODS=(virtio_pci virtio_console)
KDIR=$CACHE/lab/kernel-$ABI

fetch_deb() { # package -> path of the cached .deb
	local pkg=$1 debdir=$CACHE/debs deb
	mkdir -p "$debdir"
	deb=$(compgen -G "$debdir/${pkg}_*_amd64.deb" | tail -n1 || true)
	if [[ -z $deb ]]; then
		log "downloading $pkg"
		if ! (cd "$debdir" && apt-get download -q "$pkg") >/dev/null 2>"$debdir/.err"; then
			log "apt-get download failed; apt-get update and retry"
			apt-get update -q >/dev/null 2>&1 || true
			(cd "$debdir" && apt-get download -q "$pkg") >/dev/null 2>"$debdir/.err" ||
				die "apt-get download $pkg: $(tail -n1 "$debdir/.err")"
		fi
		rm -f "$debdir/.err"
		deb=$(compgen -G "$debdir/${pkg}_*_amd64.deb" | tail -n1 || true)
		[[ -n $deb ]] || die "apt-get download gave no .deb for $pkg"
	fi
	echo "$deb"
}

build_kernel() {
	local deb want
	deb=$(fetch_deb "linux-image-$ABI-unsigned")
	want="$(basename "$deb") ${MODS[*]} ${L2_MODS[*]}"
	[[ -f $KDIR/.done && $(cat "$KDIR/.done") == "$want" ]] && return 0

	step "unpacking $(basename "$deb")"
	local tmp=$CACHE/lab/.unpack.$$
	rm -rf "$tmp" "$KDIR"
	mkdir -p "$tmp" "$KDIR/modules"
	trap 'rm -rf "$tmp"' EXIT
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" \
		"./boot/vmlinuz-$ABI" "./boot/config-$ABI" "./lib/modules/$ABI"
	cp "$tmp/boot/vmlinuz-$ABI" "$KDIR/vmlinuz"
	cp "$tmp/boot/config-$ABI" "$KDIR/config"

	# name -> file, names with '_' (module names never differ otherwise)
	local -A path=()
	local f n
	while IFS= read -r f; do
		n=$(basename "$f")
		n=${n%%.ko*}
		path[${n//-/_}]=$f
	done < <(find "$tmp/lib/modules/$ABI/kernel" -name '*.ko*')
	local builtin=$tmp/lib/modules/$ABI/modules.builtin

	# Depth-first: dependencies before the module; deps.txt in load order.
	local -A done=()
	: >"$KDIR/modules/deps.txt"
	add_mod() {
		local m=${1//-/_} d deps
		[[ -n ${done[$m]:-} ]] && return 0
		done[$m]=1
		if [[ -z ${path[$m]:-} ]]; then
			grep -q "/${m//_/[-_]}\.ko" "$builtin" 2>/dev/null && return 0
			die "module $m not in $(basename "$deb")"
		fi
		deps=$(modinfo -F depends "${path[$m]}" | tr ',' ' ')
		for d in $deps; do add_mod "$d"; done
		case ${path[$m]} in
		*.ko.xz) xz -dc "${path[$m]}" >"$KDIR/modules/$m.ko" ;;
		*.ko.zst) zstd -qdc "${path[$m]}" >"$KDIR/modules/$m.ko" ;;
		*.ko.gz) gzip -dc "${path[$m]}" >"$KDIR/modules/$m.ko" ;;
		*) cp "${path[$m]}" "$KDIR/modules/$m.ko" ;;
		esac
		echo "$m ${deps//-/_}" >>"$KDIR/modules/deps.txt"
	}
	for n in "${MODS[@]}" "${L2_MODS[@]}"; do add_mod "$n"; done
	rm -rf "$tmp"
	trap - EXIT
	echo "$want" >"$KDIR/.done"
}
build_kernel

# ---------------------------------------------------------------------------
# nogapctl (make tools) and the static helpers.

mkdir -p "$OUT/bin"
status() { # name text: build/lab/NAME-build.txt, first line "ok" or "FAIL ..."
	printf '%s\n' "$2" >"$OUT/$1-build.txt"
}

step "nogapctl (make tools)"
if make -C "$TOP" tools >"$OUT/nogapctl-build.log" 2>&1 &&
   [[ -x $TOP/userspace/nogapctl ]]; then
	cp "$TOP/userspace/nogapctl" "$OUT/bin/nogapctl.tmp"
	mv -f "$OUT/bin/nogapctl.tmp" "$OUT/bin/nogapctl"
	status nogapctl ok
else
	rm -f "$OUT/bin/nogapctl"
	status nogapctl "FAIL make tools: $(grep -m1 -E 'error|Error' "$OUT/nogapctl-build.log" || tail -n1 "$OUT/nogapctl-build.log")"
	log "nogapctl did not build (see build/lab/nogapctl-build.log)"
fi

cc_static() { # out src...
	local out=$1
	shift
	if [[ ! -x $out ]] || [[ -n $(find "$@" -newer "$out") ]]; then
		gcc -static -O2 -Wall -Wextra -o "$out" "$@" ||
			die "cannot build $(basename "$out") (static glibc: libc6-dev)"
	fi
}
cc_static "$OUT/bin/dropcap" "$LAB_SRC/dropcap.c"
cc_static "$OUT/bin/labjson" "$LAB_SRC/labjson.c"
# L2's hidden-process heartbeat and churn (tests/lab/l2/hide.sh, churn.sh)
cc_static "$OUT/bin/hiddenhb" "$LAB_SRC/l2/hiddenhb.c"
cc_static "$OUT/bin/churn" "$LAB_SRC/l2/churn.c"

# nlfuzz: the malformed-netlink test (tests/lab/nlfuzz.c, libnl), if present.
rm -f "$OUT/nlfuzz-build.txt"
if [[ -f $LAB_SRC/nlfuzz.c ]]; then
	step "nlfuzz"
	if gcc -O2 -g -Wall -I"$TOP/uapi" -I"$TOP/userspace" \
		$(pkg-config --cflags libnl-genl-3.0) -o "$OUT/bin/nlfuzz" \
		"$LAB_SRC/nlfuzz.c" $(pkg-config --libs libnl-genl-3.0) \
		>"$OUT/nlfuzz-build.log" 2>&1; then
		status nlfuzz ok
	else
		rm -f "$OUT/bin/nlfuzz"
		status nlfuzz "FAIL $(grep -m1 error "$OUT/nlfuzz-build.log" || echo 'see build/lab/nlfuzz-build.log')"
	fi
elif [[ -x $LAB_SRC/nlfuzz && -f $LAB_SRC/nlfuzz ]]; then
	cp "$LAB_SRC/nlfuzz" "$OUT/bin/nlfuzz"
	status nlfuzz ok
else
	rm -f "$OUT/bin/nlfuzz"
	status nlfuzz "FAIL tests/lab/nlfuzz.c not written yet"
fi

# policyfuzz: POLICY_SET against the module's validation (libnl, and
# nogapctl's policy parser and encoder).
step "policyfuzz"
if gcc -O2 -g -Wall -std=gnu11 -D_GNU_SOURCE -I"$TOP/uapi" -I"$TOP/userspace" \
	-I"$TOP/kmod/core" $(pkg-config --cflags libnl-genl-3.0) \
	-o "$OUT/bin/policyfuzz" "$LAB_SRC/policyfuzz.c" "$TOP/userspace/policy.c" \
	"$TOP/kmod/core/peval.c" \
	$(pkg-config --libs libnl-genl-3.0) >"$OUT/policyfuzz-build.log" 2>&1; then
	status policyfuzz ok
else
	rm -f "$OUT/bin/policyfuzz"
	status policyfuzz "FAIL $(grep -m1 error "$OUT/policyfuzz-build.log" || echo 'see build/lab/policyfuzz-build.log')"
fi

# ---------------------------------------------------------------------------
# nogap.ko against the L1 kernel's headers, built from a copy of kmod/ and
# uapi/ (build/lab/src/) so that it never mixes objects with builds of kmod/
# for other kernels.

sync_tree() { # src dst: copy changed files (mtimes of unchanged kept)
	local src=$1 dst=$2 f
	mkdir -p "$dst"
	(cd "$src" && find . -type f ! -name '*.o' ! -name '*.ko' ! -name '*.cmd' \
		! -name '*.mod' ! -name '*.mod.c' ! -name 'Module.symvers' \
		! -name 'modules.order' ! -name '.*') | while IFS= read -r f; do
		if ! cmp -s "$src/$f" "$dst/$f"; then
			mkdir -p "$(dirname "$dst/$f")"
			cp "$src/$f" "$dst/$f"
		fi
	done
	(cd "$dst" && find . -type f \( -name '*.[chS]' -o -name Kbuild -o \
		-name Makefile \) ! -name '*.mod.c') | while IFS= read -r f; do
		[[ -e $src/$f ]] || rm -f "$dst/$f"
	done
}

rm -f "$OUT/nogap.ko"
if [[ ! -f $TOP/kmod/Kbuild ]]; then
	status nogap "FAIL nogap.ko not built: kmod/Kbuild does not exist yet"
	log "kmod/Kbuild absent: module stages will fail"
elif [[ ! -d $HDRS ]]; then
	status nogap "FAIL nogap.ko not built: no headers at $HDRS"
else
	step "nogap.ko against $HDRS"
	sync_tree "$TOP/kmod" "$OUT/src/kmod"
	sync_tree "$TOP/uapi" "$OUT/src/uapi"
	[[ -f $TOP/Kconfig ]] && cp -p "$TOP/Kconfig" "$OUT/src/Kconfig"
	if make -C "$HDRS" M="$OUT/src/kmod" modules >"$OUT/nogap-build.log" 2>&1 &&
	   [[ -f $OUT/src/kmod/nogap.ko ]]; then
		vm=$(modinfo -F vermagic "$OUT/src/kmod/nogap.ko")
		if [[ $vm == "$ABI "* ]]; then
			cp "$OUT/src/kmod/nogap.ko" "$OUT/nogap.ko"
			status nogap ok
		else
			status nogap "FAIL nogap.ko not built: vermagic '$vm' is not $ABI"
		fi
	else
		status nogap "FAIL nogap.ko not built: $(grep -m1 -E 'error|Error|No rule' "$OUT/nogap-build.log" || tail -n1 "$OUT/nogap-build.log")"
		log "nogap.ko did not build (see build/lab/nogap-build.log)"
	fi
fi

# ---------------------------------------------------------------------------
# L2's test modules (tests/lab/l2mod/: what a rootkit does, for the lab to
# catch) against the same headers: L2 runs the same kernel as L1.

rm -rf "$OUT/l2mod"
if [[ -f $TOP/tests/lab/l2mod/Kbuild && -d $HDRS ]]; then
	step "L2 test modules against $HDRS"
	sync_tree "$TOP/tests/lab/l2mod" "$OUT/src/l2mod"
	if make -C "$HDRS" M="$OUT/src/l2mod" modules >"$OUT/l2mod-build.log" 2>&1; then
		mkdir -p "$OUT/l2mod"
		cp "$OUT"/src/l2mod/*.ko "$OUT/l2mod/" 2>/dev/null || true
		status l2mod ok
	else
		status l2mod "FAIL L2 test modules not built: $(grep -m1 -E 'error|Error' "$OUT/l2mod-build.log" || tail -n1 "$OUT/l2mod-build.log")"
	fi
else
	status l2mod "FAIL L2 test modules not built: no tests/lab/l2mod/Kbuild or no headers"
fi

# ---------------------------------------------------------------------------
# L1's lab-only module (tests/lab/l1mod/tcgfix.c: a workaround for QEMU's
# TCG delivering an interrupt to a nested guest twice) against the same
# headers. Without it the lab still runs, and says so.

rm -f "$OUT/tcgfix.ko" "$OUT/cr3watch.ko"
if [[ -f $TOP/tests/lab/l1mod/Kbuild && -d $HDRS ]]; then
	step "L1 lab module (tcgfix) against $HDRS"
	sync_tree "$TOP/tests/lab/l1mod" "$OUT/src/l1mod"
	if make -C "$HDRS" M="$OUT/src/l1mod" modules >"$OUT/l1mod-build.log" 2>&1 &&
	   [[ -f $OUT/src/l1mod/tcgfix.ko ]]; then
		cp "$OUT/src/l1mod/tcgfix.ko" "$OUT/tcgfix.ko"
		cp "$OUT/src/l1mod/cr3watch.ko" "$OUT/cr3watch.ko" 2>/dev/null || true
		status l1mod ok
	else
		status l1mod "FAIL tcgfix.ko not built: $(grep -m1 -E 'error|Error' "$OUT/l1mod-build.log" || tail -n1 "$OUT/l1mod-build.log")"
	fi
else
	status l1mod "FAIL tcgfix.ko not built: no tests/lab/l1mod/Kbuild or no headers"
fi

# ---------------------------------------------------------------------------
# Signature DB from a reference boot of the same kernel (cached by mkdump.sh).

REF_DUMP=$CACHE/dumps/$ABI.elf
REF_KS=$CACHE/dumps/$ABI.kallsyms
rm -f "$OUT/sigdb-build.txt"
if [[ ! -s $REF_DUMP || ! -s $REF_KS ]]; then
	step "reference boot (tests/eval/mkdump.sh $ABI)"
	"$TOP/tests/eval/mkdump.sh" "$ABI" >"$OUT/mkdump.log" 2>&1 ||
		log "mkdump.sh failed (see build/lab/mkdump.log)"
fi
if [[ ! -x $OUT/bin/nogapctl ]]; then
	rm -f "$OUT/db.sigdb"
	status sigdb "FAIL no nogapctl to build the DB"
elif [[ ! -s $REF_DUMP || ! -s $REF_KS ]]; then
	rm -f "$OUT/db.sigdb"
	status sigdb "FAIL no reference dump for $ABI (build/lab/mkdump.log)"
else
	step "db.sigdb"
	if "$OUT/bin/nogapctl" sigdb build --dump "$REF_DUMP" --kallsyms "$REF_KS" \
		--label "$ABI" -o "$OUT/db.sigdb.tmp" >"$OUT/sigdb-build.log" 2>&1; then
		if cmp -s "$OUT/db.sigdb.tmp" "$OUT/db.sigdb"; then
			rm -f "$OUT/db.sigdb.tmp"
		else
			mv -f "$OUT/db.sigdb.tmp" "$OUT/db.sigdb"
		fi
		status sigdb ok
	else
		rm -f "$OUT/db.sigdb" "$OUT/db.sigdb.tmp"
		status sigdb "FAIL sigdb build: $(tail -n1 "$OUT/sigdb-build.log")"
	fi
fi

# ---------------------------------------------------------------------------
# Initramfs helpers.

BUSYBOX=
for c in /bin/busybox /usr/bin/busybox; do
	if [[ -x $c ]] && file -bL "$c" | grep -q 'statically linked'; then
		BUSYBOX=$c
		break
	fi
done
[[ -n $BUSYBOX ]] || die "no static busybox (apt-get install busybox-static)"

add_file() { # root src dst [mode]
	local root=$1 src=$2 dst=$3
	mkdir -p "$root$(dirname "$dst")"
	cp -L "$src" "$root$dst"
	[[ -z ${4:-} ]] || chmod "$4" "$root$dst"
}

add_elf() { # root binary dst: the binary and every library ldd lists
	local root=$1 bin=$2 dst=$3 lib
	add_file "$root" "$bin" "$dst" 0755
	file -bL "$bin" | grep -q 'dynamically linked' || return 0
	while read -r lib; do
		[[ -e $root$lib ]] || add_file "$root" "$lib" "$lib" 0755
	done < <(ldd "$bin" | awk '/=> \// { print $3 } /^\t\// { print $1 }')
}

# Write root as a cpio archive to out when its content changed.
pack() { # root out
	local root=$1 out=$2 h
	find "$root" -exec touch -h -d @0 {} +
	h=$(cd "$root" && { find . -printf '%M %p %l\n' | LC_ALL=C sort;
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum; } |
		{ cat; echo "$COMPRESS"; } | sha256sum | cut -c1-32)
	if [[ -f $out && -f $out.hash && $(cat "$out.hash") == "$h" ]]; then
		log "$(basename "$out") unchanged"
		return 0
	fi
	step "packing $(basename "$out")"
	local zip=(cat)
	case $COMPRESS in
	none) ;;
	lz4) zip=(lz4 -l -q -c) ;;
	gzip) zip=(gzip -1 -n) ;;
	*) die "LAB_INITRD_COMPRESS must be none, lz4 or gzip" ;;
	esac
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --reproducible --quiet | "${zip[@]}") >"$out.tmp"
	mv -f "$out.tmp" "$out"
	echo "$h" >"$out.hash"
}

mod_closure() { # module names -> them and their dependencies, from deps.txt
	local m
	for m in "$@"; do
		echo "$m"
		mod_closure $(awk -v m="$m" '$1 == m { $1 = ""; print }' "$KDIR/modules/deps.txt")
	done | sort -u
}

# ---------------------------------------------------------------------------
# L2 initramfs.

R2=$OUT/.l2-root
rm -rf "$R2"
mkdir -p "$R2"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run}
add_file "$R2" "$BUSYBOX" /bin/busybox 0755
add_file "$R2" "$LAB_SRC/l2-init.sh" /init 0755
add_file "$R2" "$KDIR/modules/deps.txt" /lib/modules/deps.txt
for m in $(mod_closure "${L2_MODS[@]}"); do	# none when built in
	[[ ! -f $KDIR/modules/$m.ko ]] ||
		add_file "$R2" "$KDIR/modules/$m.ko" "/lib/modules/$m.ko"
done
# scenarios (tests/lab/l2/*.sh, run by "run NAME" on the control port)
# and the test modules they load
mkdir -p "$R2/lab2"
for f in "$LAB_SRC"/l2/*.sh; do
	[[ -e $f ]] && add_file "$R2" "$f" "/lab2/$(basename "$f")" 0755
done
for f in "$OUT"/l2mod/*.ko; do
	[[ -e $f ]] && add_file "$R2" "$f" "/lab2/$(basename "$f")"
done
add_file "$R2" "$OUT/bin/hiddenhb" /lab2/hiddenhb 0755
add_file "$R2" "$OUT/bin/churn" /lab2/churn 0755
if [[ -n ${LAB_L2_PAYLOAD:-} ]]; then
	[[ -f $LAB_L2_PAYLOAD/run.sh ]] || die "LAB_L2_PAYLOAD=$LAB_L2_PAYLOAD has no run.sh"
	mkdir -p "$R2/payload"
	cp -a "$LAB_L2_PAYLOAD/." "$R2/payload/"
fi
COMPRESS=none pack "$R2" "$OUT/l2-initramfs.cpio"

# ---------------------------------------------------------------------------
# L1 initramfs.

R1=$OUT/.l1-root
rm -rf "$R1"
mkdir -p "$R1"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,out,lab/bin}
add_file "$R1" "$BUSYBOX" /bin/busybox 0755
add_file "$R1" "$LAB_SRC/l1-init.sh" /init 0755
add_file "$R1" "$LAB_SRC/l1-tests.sh" /lab/l1-tests.sh 0755
add_file "$R1" "$LAB_SRC/score.awk" /lab/score.awk
add_file "$R1" "$TOP/etc/nogap/nogap.policy" /lab/nogap.policy
for f in "$KDIR"/modules/*; do add_file "$R1" "$f" "/lab/modules/$(basename "$f")"; done
add_file "$R1" "$KDIR/vmlinuz" /lab/l2/vmlinuz
add_file "$R1" "$OUT/l2-initramfs.cpio" /lab/l2/initramfs.cpio
for b in dropcap labjson; do add_file "$R1" "$OUT/bin/$b" "/lab/bin/$b" 0755; done
[[ -x $OUT/bin/nogapctl ]] && add_elf "$R1" "$OUT/bin/nogapctl" /lab/bin/nogapctl
[[ -x $OUT/bin/nlfuzz ]] && add_elf "$R1" "$OUT/bin/nlfuzz" /lab/bin/nlfuzz
[[ -x $OUT/bin/policyfuzz ]] && add_elf "$R1" "$OUT/bin/policyfuzz" /lab/bin/policyfuzz
[[ -f $OUT/nogap.ko ]] && add_file "$R1" "$OUT/nogap.ko" /lab/nogap.ko
[[ -f $OUT/tcgfix.ko ]] && add_file "$R1" "$OUT/tcgfix.ko" /lab/tcgfix.ko
[[ -f $OUT/cr3watch.ko ]] && add_file "$R1" "$OUT/cr3watch.ko" /lab/cr3watch.ko
if [[ -f $OUT/db.sigdb ]]; then
	add_file "$R1" "$OUT/db.sigdb" /lab/db.sigdb
	add_file "$R1" "$REF_KS" /lab/ref.kallsyms
fi
for s in nogapctl nogap sigdb nlfuzz policyfuzz l2mod l1mod; do
	[[ -f $OUT/$s-build.txt ]] && add_file "$R1" "$OUT/$s-build.txt" "/lab/$s-build.txt"
done
[[ -n ${LAB_L2_PAYLOAD:-} ]] && touch "$R1/lab/payload"

# QEMU for L2: the host's binary, its libraries, the firmware it loads.
QEMU=$(command -v qemu-system-x86_64)
add_elf "$R1" "$QEMU" /usr/bin/qemu-system-x86_64
for fw in bios-256k.bin linuxboot_dma.bin kvmvapic.bin; do
	found=
	for d in /usr/share/qemu /usr/share/seabios /usr/lib/ipxe/qemu; do
		if [[ -e $d/$fw ]]; then
			add_file "$R1" "$d/$fw" "$d/$fw"
			found=1
			break
		fi
	done
	[[ -n $found ]] || die "QEMU firmware $fw not found"
done
{
	echo "abi=$ABI"
	echo "qemu=$("$QEMU" --version | head -n1)"
	echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "git=$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo '?')"
} >"$OUT/build-info.txt"
add_file "$R1" "$OUT/build-info.txt" /lab/build-info.txt
sed -i '/^built=/d' "$R1/lab/build-info.txt"	# keep the archive reproducible

pack "$R1" "$OUT/l1-initramfs.cpio"
cp "$KDIR/vmlinuz" "$OUT/vmlinuz"
echo "$ABI" >"$OUT/abi"
rm -rf "$R1" "$R2"
step "done ($(du -h "$OUT/l1-initramfs.cpio" | cut -f1) L1 initramfs)"
