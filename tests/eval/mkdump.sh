#!/usr/bin/env bash
# mkdump.sh - build reference guest-memory dumps + ground-truth kallsyms for
# real Debian kernels (NoGap evaluation data).
#
# For each kernel ABI: fetch linux-image-<ABI>-unsigned from the Debian archive,
# boot its vmlinuz under QEMU/TCG with a tiny busybox initramfs that prints
# /proc/kallsyms to the second serial port, then take an ELF memory dump over
# QMP while the vCPU sits in the idle loop.
set -euo pipefail

PROG=mkdump
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KERNELS_FILE="$SCRIPT_DIR/kernels.txt"

CACHE=${NOGAP_CACHE:-$HOME/.cache/nogap}
MEM_MB=${MKDUMP_MEM_MB:-512}
BOOT_TIMEOUT=${MKDUMP_TIMEOUT:-600}   # seconds per boot (whole QEMU lifetime)
MIN_KALLSYMS_LINES=50000

BEGIN_MARK='@@NOGAP-KALLSYMS-BEGIN@@'
END_MARK='@@NOGAP-KALLSYMS-END@@'
READY_MARK='@@NOGAP-READY@@'
PS_BEGIN='@@NOGAP-PS-BEGIN@@'
PS_END='@@NOGAP-PS-END@@'

usage() {
    cat <<EOF
usage: mkdump.sh [-c CACHE] KERNEL_ABI...
       mkdump.sh [-c CACHE] --all

Produce reference memory dumps and ground-truth kallsyms for Debian kernels.

For every KERNEL_ABI (e.g. 6.1.0-50-amd64, 6.12.117+deb12-rt-amd64):
  - download linux-image-<ABI>-unsigned into CACHE/debs (apt-get download),
    extract boot/{vmlinuz,config}-<ABI> into CACHE/kernels/<ABI>/
  - boot it in qemu-system-x86_64 (TCG, -cpu qemu64, ${MEM_MB} MiB, 1 vCPU,
    KASLR on) with a busybox initramfs that sends /proc/kallsyms to ttyS1
  - dump guest memory over QMP (dump-guest-memory, paging=false, ELF)

Results (an ABI whose results already exist is skipped):
  CACHE/dumps/<ABI>.elf          ELF core of guest physical memory
  CACHE/dumps/<ABI>.kallsyms     /proc/kallsyms of that boot (real addresses)
  CACHE/dumps/<ABI>.ps           that boot's process list (pid comm) at dump time
  CACHE/dumps/<ABI>.info         boot metadata (package, qemu cmdline, regs)
  CACHE/dumps/<ABI>.console.log  guest serial console (ttyS0)

Options:
  -c CACHE   cache directory (default: \${NOGAP_CACHE:-\$HOME/.cache/nogap},
             currently $CACHE)
  --all      build every kernel listed in $KERNELS_FILE
             (lines "ROLE KERNEL_ABI"; '#' comments)
  -h         this help

Environment: MKDUMP_MEM_MB (guest RAM, default 512), MKDUMP_TIMEOUT (seconds
per boot, default 600), NOGAP_CACHE.
Needs: apt-get, dpkg-deb, qemu-system-x86_64, busybox (static), cpio, gzip,
python3, timeout.
EOF
}

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }

# ---------------------------------------------------------------------------
# Per-ABI state used by cleanup
CUR_ABI=""
QEMU_PID=""
TMP_PATHS=()

cleanup() {
    if [[ -n $QEMU_PID ]]; then
        kill "$QEMU_PID" 2>/dev/null || true
        wait "$QEMU_PID" 2>/dev/null || true
        QEMU_PID=""
    fi
    if ((${#TMP_PATHS[@]})); then
        rm -rf -- "${TMP_PATHS[@]}"
    fi
    TMP_PATHS=()
}

die() {
    if [[ -n $CUR_ABI ]]; then
        printf '%s: %s: %s\n' "$PROG" "$CUR_ABI" "$*" >&2
    else
        printf '%s: %s\n' "$PROG" "$*" >&2
    fi
    cleanup
    exit 1
}

trap cleanup EXIT
trap 'die "interrupted"' INT TERM

# ---------------------------------------------------------------------------
# initramfs

# The guest's /init. Changing this text changes the initramfs hash -> rebuild.
INIT_SCRIPT=$(cat <<EOF
#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo 0 > /proc/sys/kernel/kptr_restrict
stty -F /dev/ttyS1 raw -echo 2>/dev/null || true
{ echo '$BEGIN_MARK'; cat /proc/kallsyms; echo '$END_MARK'; } > /dev/ttyS1
# the process list is taken with ttyS1 closed (an open port has an IRQ thread
# on PREEMPT_RT that goes away with it), then sent
sleep 1
for d in /proc/[0-9]*; do read c < \$d/comm && echo "\${d#/proc/} \$c"; done > /tmp/ps.txt
{ echo '$PS_BEGIN'; cat /tmp/ps.txt; echo '$PS_END'; } > /dev/ttyS1
echo '$READY_MARK'
while :; do sleep 1000; done
EOF
)

BUSYBOX=""
find_busybox() {
    local c
    for c in /bin/busybox /usr/bin/busybox; do
        if [[ -x $c ]] && file -b "$c" 2>/dev/null | grep -q 'statically linked'; then
            BUSYBOX=$c
            return 0
        fi
    done
    die "no static busybox found (apt-get install busybox-static)"
}

INITRAMFS=""
build_initramfs() {
    find_busybox
    local h
    h=$( { printf '%s\n' "$INIT_SCRIPT"; sha256sum <"$BUSYBOX"; } | sha256sum | cut -c1-16)
    INITRAMFS="$CACHE/initramfs-$h.cpio.gz"
    [[ -s $INITRAMFS ]] && return 0

    log "building initramfs $INITRAMFS"
    local root tmp
    root=$(mktemp -d "$CACHE/.initramfs-root.XXXXXX")
    tmp="$INITRAMFS.tmp.$$"
    TMP_PATHS+=("$root" "$tmp")
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp}
    cp "$BUSYBOX" "$root/bin/busybox"
    printf '%s\n' "$INIT_SCRIPT" >"$root/init"
    chmod 0755 "$root/init" "$root/bin/busybox"
    find "$root" -exec touch -h -d @0 {} +   # reproducible archive
    (cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
        cpio -o -H newc -R 0:0 --reproducible --quiet | gzip -9 -n) >"$tmp" ||
        die "cpio/gzip of initramfs failed"
    mv -f "$tmp" "$INITRAMFS"
    rm -rf "$root"
    TMP_PATHS=()
}

# ---------------------------------------------------------------------------
# kernel package

APT_UPDATED=0
fetch_kernel() {
    local abi=$1 pkg="linux-image-$1-unsigned" kdir="$CACHE/kernels/$1"
    local debdir="$CACHE/debs" deb

    if [[ -s $kdir/vmlinuz-$abi ]]; then
        return 0
    fi
    mkdir -p "$debdir"
    TMP_PATHS+=("$debdir/.apt.err")
    deb=$(compgen -G "$debdir/${pkg}_*_amd64.deb" | tail -n1 || true)
    if [[ -z $deb ]]; then
        log "$abi: downloading $pkg"
        if ! (cd "$debdir" && apt-get download -q "$pkg") >/dev/null 2>"$debdir/.apt.err"; then
            if ((APT_UPDATED == 0)); then
                log "$abi: apt-get download failed, running apt-get update and retrying"
                APT_UPDATED=1
                apt-get update -q >/dev/null 2>&1 || die "apt-get update failed"
                (cd "$debdir" && apt-get download -q "$pkg") >/dev/null 2>"$debdir/.apt.err" ||
                    die "apt-get download $pkg failed: $(tail -n1 "$debdir/.apt.err")"
            else
                die "apt-get download $pkg failed: $(tail -n1 "$debdir/.apt.err")"
            fi
        fi
        rm -f "$debdir/.apt.err"
        deb=$(compgen -G "$debdir/${pkg}_*_amd64.deb" | tail -n1 || true)
        [[ -n $deb ]] || die "apt-get download produced no .deb for $pkg"
    fi

    log "$abi: extracting $(basename "$deb")"
    local tmp="$kdir.tmp.$$"
    TMP_PATHS+=("$tmp")
    rm -rf "$tmp"
    mkdir -p "$tmp"
    # Only vmlinuz (needed) and config (handy reference). The package's
    # System.map is a placeholder (the real one is in the -dbg package).
    dpkg-deb --fsys-tarfile "$deb" |
        tar -x -C "$tmp" "./boot/vmlinuz-$abi" "./boot/config-$abi" ||
        die "extracting boot/vmlinuz-$abi from $deb failed"
    [[ -s $tmp/boot/vmlinuz-$abi ]] || die "$deb has no boot/vmlinuz-$abi"
    mkdir -p "$kdir"
    local f
    for f in "$tmp"/boot/*; do
        mv -f "$f" "$kdir/"
    done
    printf '%s\n' "$(basename "$deb")" >"$kdir/package"
    rm -rf "$tmp"
    TMP_PATHS=()
}

# ---------------------------------------------------------------------------
# QMP client (stdlib python3). argv: socket dump_path info_path

QMP_PY=$(cat <<'EOF'
import json, socket, sys, time
sock_path, dump_path, regs_path = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
for _ in range(100):
    try:
        s.connect(sock_path)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("cannot connect to QMP socket")
rf = s.makefile("rb")

def recv():
    while True:
        line = rf.readline()
        if not line:
            sys.exit("QMP connection closed")
        msg = json.loads(line)
        if "event" not in msg:
            return msg

def cmd(name, **args):
    req = {"execute": name}
    if args:
        req["arguments"] = args
    s.sendall(json.dumps(req).encode() + b"\n")
    r = recv()
    if "error" in r:
        sys.exit("QMP %s: %s" % (name, r["error"].get("desc", r["error"])))
    return r.get("return")

if "QMP" not in recv():
    sys.exit("no QMP greeting")
cmd("qmp_capabilities")
cmd("stop")
regs = cmd("human-monitor-command", **{"command-line": "info registers"})
with open(regs_path, "w") as f:
    f.write(regs.replace("\r\n", "\n"))
cmd("dump-guest-memory", paging=False, protocol="file:" + dump_path)
try:
    cmd("quit")
except SystemExit:
    pass  # QEMU may close the socket before answering
EOF
)

# ---------------------------------------------------------------------------

check_kallsyms() {
    local f=$1 n
    n=$(wc -l <"$f")
    ((n > MIN_KALLSYMS_LINES)) || die "kallsyms has only $n lines (want > $MIN_KALLSYMS_LINES)"
    grep -Eq '^[0-9a-f]*[1-9a-f][0-9a-f]* [Tt] _s?text$' "$f" ||
        die "kallsyms has no '_stext'/'_text' with a non-zero address (kptr_restrict?)"
}

check_elf() {
    local f=$1 magic size min max
    magic=$(head -c4 "$f" | od -An -tx1 | tr -d ' \n')
    [[ $magic == 7f454c46 ]] || die "dump is not an ELF file (magic $magic)"
    size=$(stat -c %s "$f")
    min=$((MEM_MB * 1024 * 1024 * 3 / 4))
    max=$((MEM_MB * 1024 * 1024 * 3 / 2))
    ((size >= min && size <= max)) || die "dump size $size implausible for ${MEM_MB} MiB guest"
}

wait_for() { # file marker deadline what
    local file=$1 marker=$2 deadline=$3 what=$4
    while :; do
        if [[ -f $file ]] && grep -qF -- "$marker" "$file"; then
            return 0
        fi
        kill -0 "$QEMU_PID" 2>/dev/null ||
            die "qemu exited before $what (see ${CONSOLE_LOG:-console log}: $(tail -n1 "$CONSOLE_LOG" 2>/dev/null | tr -d '\r'))"
        ((SECONDS < deadline)) || die "timeout waiting for $what"
        sleep 1
    done
}

CONSOLE_LOG=""
do_abi() {
    local abi=$1
    CUR_ABI=$abi
    local ddir="$CACHE/dumps"
    local elf="$ddir/$abi.elf" ks="$ddir/$abi.kallsyms" info="$ddir/$abi.info"
    local ps="$ddir/$abi.ps"
    if [[ -s $elf && -s $ks && -s $ps ]]; then
        log "$abi: results exist, skipping"
        CUR_ABI=""
        return 0
    fi
    [[ $abi =~ ^[A-Za-z0-9.+~_-]+$ ]] || die "bad kernel ABI string"

    local t0=$SECONDS
    fetch_kernel "$abi"
    local vmlinuz="$CACHE/kernels/$abi/vmlinuz-$abi"

    mkdir -p "$ddir"
    local run
    run=$(mktemp -d "/tmp/mkdump.XXXXXX")   # short path: unix socket limit
    TMP_PATHS+=("$run" "$elf.tmp.$$" "$ks.tmp.$$" "$info.tmp.$$" "$ps.tmp.$$")
    local ttys1="$run/ttyS1.out" qmp="$run/qmp.sock" regs="$run/regs.txt"
    CONSOLE_LOG="$ddir/$abi.console.log"
    rm -f "$CONSOLE_LOG"

    local -a qemu=(
        qemu-system-x86_64 -accel tcg -cpu qemu64 -m "$MEM_MB" -smp 1
        -nodefaults -no-user-config -display none -no-reboot
        -kernel "$vmlinuz" -initrd "$INITRAMFS"
        -append "console=ttyS0 panic=-1 oops=panic noirqdebug"
        -serial "file:$CONSOLE_LOG" -serial "file:$ttys1"
        -qmp "unix:$qmp,server=on,wait=off"
    )
    log "$abi: booting..."
    local deadline=$((SECONDS + BOOT_TIMEOUT))
    timeout -k 10 "$BOOT_TIMEOUT" "${qemu[@]}" </dev/null >"$run/qemu.out" 2>&1 &
    QEMU_PID=$!

    wait_for "$ttys1" "$END_MARK" "$deadline" "kallsyms end marker"
    local t_boot=$((SECONDS - t0))
    log "$abi: kallsyms received after ${t_boot}s"
    wait_for "$CONSOLE_LOG" "$READY_MARK" "$deadline" "ready marker"
    sleep 3   # let init reach its sleep loop, vCPU idle (HLT)

    log "$abi: dumping memory..."
    local left=$((deadline - SECONDS))
    ((left > 10)) || left=10
    timeout "$left" python3 -c "$QMP_PY" "$qmp" "$elf.tmp.$$" "$regs" 2>"$run/qmp.err" ||
        die "QMP dump failed: $(tail -n1 "$run/qmp.err")"
    local rc=0
    wait "$QEMU_PID" || rc=$?
    QEMU_PID=""
    ((rc == 0)) || die "qemu exited with status $rc: $(tail -n1 "$run/qemu.out")"

    # Extract kallsyms between markers, CRLF -> LF.
    tr -d '\r' <"$ttys1" |
        awk -v b="$BEGIN_MARK" -v e="$END_MARK" \
            '$0==e{exit} on{print} $0==b{on=1}' >"$ks.tmp.$$"
    check_kallsyms "$ks.tmp.$$"
    # The guest's own process list (pid comm), read by its init just before
    # the dump: truth for `nogapctl ps`.
    tr -d '\r' <"$ttys1" |
        awk -v b="$PS_BEGIN" -v e="$PS_END" \
            '$0==e{exit} on{print} $0==b{on=1}' >"$ps.tmp.$$"
    [[ -s "$ps.tmp.$$" ]] || die "no process list from the guest"
    check_elf "$elf.tmp.$$"
    chmod 0644 "$elf.tmp.$$"   # QEMU creates it 0400

    local rip
    rip=$(grep -o 'RIP=[0-9a-f]*' "$regs" | head -n1 || true)
    {
        echo "abi: $abi"
        echo "package: $(cat "$CACHE/kernels/$abi/package" 2>/dev/null)"
        echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "qemu: $(qemu-system-x86_64 --version | head -n1)"
        echo "cmdline: ${qemu[*]}"
        echo "stext: $(grep -E ' [Tt] _stext$' "$ks.tmp.$$" | head -n1)"
        echo "kallsyms_lines: $(wc -l <"$ks.tmp.$$")"
        echo "dump_bytes: $(stat -c %s "$elf.tmp.$$")"
        echo "seconds: $((SECONDS - t0))"
        echo "${rip:-RIP=?}"
        echo "--- info registers (before dump) ---"
        cat "$regs"
    } >"$info.tmp.$$"

    mv -f "$info.tmp.$$" "$info"
    mv -f "$elf.tmp.$$" "$elf"
    mv -f "$ks.tmp.$$" "$ks"
    mv -f "$ps.tmp.$$" "$ps"
    rm -rf "$run"
    TMP_PATHS=()
    log "$abi: done in $((SECONDS - t0))s ($(wc -l <"$ks") symbols, $(($(stat -c %s "$elf") / 1048576)) MiB dump, $rip)"
    CUR_ABI=""
}

# ---------------------------------------------------------------------------

main() {
    local all=0
    local -a abis=()
    while (($#)); do
        case $1 in
        -h | --help) usage; exit 0 ;;
        -c) (($# >= 2)) || die "-c needs an argument"; CACHE=$2; shift 2 ;;
        -c*) CACHE=${1#-c}; shift ;;
        --all) all=1; shift ;;
        --) shift; abis+=("$@"); break ;;
        -*) usage >&2; die "unknown option $1" ;;
        *) abis+=("$1"); shift ;;
        esac
    done
    if ((all)); then
        [[ -r $KERNELS_FILE ]] || die "cannot read $KERNELS_FILE"
        local role abi _
        while read -r role abi _; do
            [[ -z $role || $role == \#* ]] && continue
            [[ -n $abi ]] || die "$KERNELS_FILE: bad line '$role'"
            abis+=("$abi")
        done <"$KERNELS_FILE"
    fi
    ((${#abis[@]})) || { usage >&2; exit 1; }

    local d
    for d in qemu-system-x86_64 apt-get dpkg-deb cpio gzip python3 timeout file; do
        command -v "$d" >/dev/null || die "missing required tool: $d"
    done

    CACHE=$(realpath -m -- "$CACHE")
    local top
    if top=$(git -C "$SCRIPT_DIR" rev-parse --show-toplevel 2>/dev/null); then
        case $CACHE/ in
        "$top"/*) die "cache $CACHE is inside the repository $top; use -c or NOGAP_CACHE" ;;
        esac
    fi
    mkdir -p "$CACHE" || die "cannot create cache $CACHE"

    build_initramfs
    local a
    for a in "${abis[@]}"; do
        do_abi "$a"
    done
}

main "$@"
