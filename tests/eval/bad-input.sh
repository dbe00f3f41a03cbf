#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bad-input.sh - nogapctl's offline commands on hostile input: every case must
# give exactly one line on stderr, exit status 1 or 2, no crash (the binary
# under test is built with AddressSanitizer), and no output file left behind.
#   usage: bad-input.sh NOGAPCTL GOOD_DUMP GOOD_KALLSYMS GOOD_DB
set -euo pipefail
NG=$1 DUMP=$2 SYMS=$3 DB=$4
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0 n=0

# expect_err NAME CMD...: one stderr line, exit 1 or 2, no $T/out.sigdb
expect_err() {
	local name=$1 rc=0 lines
	shift
	n=$((n + 1))
	"$@" >"$T/stdout" 2>"$T/stderr" || rc=$?
	lines=$(wc -l <"$T/stderr")
	if { [ "$rc" -ne 1 ] && [ "$rc" -ne 2 ]; } || [ "$lines" -ne 1 ] ||
	   [ -e "$T/out.sigdb" ] || ls "$T"/.out.sigdb* >/dev/null 2>&1 ||
	   ls "$T"/out.sigdb.* >/dev/null 2>&1; then
		echo "bad-input: FAIL $name: rc=$rc, $lines stderr lines:" >&2
		head -5 "$T/stderr" >&2
		fails=$((fails + 1))
	else
		echo "bad-input: ok   $name: $(cat "$T/stderr")"
	fi
	rm -f "$T/out.sigdb"
}

# hostile dumps
: >"$T/empty.elf"
head -c 100000 /dev/urandom >"$T/random.elf"
echo "hello, not an ELF file" >"$T/text.elf"
head -c 64 "$DUMP" >"$T/hdr.elf"
head -c 4096 "$DUMP" >"$T/notes.elf"
head -c 50000000 "$DUMP" >"$T/trunc.elf"
cp /bin/true "$T/exe.elf"
# the same dump with every vCPU's CS in user mode: no kernel-mode anchor
python3 - "$DUMP" "$T/noanchor.elf" <<'PY'
import struct, sys
src, dst = sys.argv[1], sys.argv[2]
with open(src, "rb") as f:
    hdr = f.read(64)
    phoff, = struct.unpack_from("<Q", hdr, 32)
    phnum, = struct.unpack_from("<H", hdr, 56)
    f.seek(phoff)
    ph = f.read(56 * phnum)
    note = None
    for i in range(phnum):
        p_type, _, off, _, _, filesz = struct.unpack_from("<IIQQQQ", ph, 56 * i)
        if p_type == 4:
            note = (off, filesz)
    f.seek(0)
    data = bytearray(f.read(note[0] + note[1]))
off, end = note
while off + 12 <= end:
    namesz, descsz, typ = struct.unpack_from("<III", data, off)
    name = bytes(data[off + 12:off + 12 + namesz]).rstrip(b"\0")
    desc = off + 12 + ((namesz + 3) & ~3)
    if name == b"QEMU":
        # QEMUCPUState: version, size, 16 GPRs, rip, rflags, then cs
        cs = desc + 8 + 8 * 18
        struct.pack_into("<I", data, cs, 0x33)            # user CS selector
        flags = struct.unpack_from("<I", data, cs + 8)[0]
        struct.pack_into("<I", data, cs + 8, flags | (3 << 13))  # DPL 3
        struct.pack_into("<Q", data, desc + 8 + 8 * 16, 0x401000)  # user RIP
    if name == b"CORE" and typ == 1:
        regs = desc + 112
        struct.pack_into("<Q", data, regs + 16 * 8, 0x401000)
        struct.pack_into("<Q", data, regs + 17 * 8, 0x33)
    off = desc + ((descsz + 3) & ~3)
with open(src, "rb") as f, open(dst, "wb") as g:
    g.write(data)
    f.seek(len(data))
    while True:
        b = f.read(1 << 24)
        if not b:
            break
        g.write(b)
PY

for d in empty random text hdr notes trunc exe noanchor; do
	expect_err "identify $d dump" "$NG" identify --dump "$T/$d.elf" --db "$DB"
	expect_err "ps $d dump" "$NG" ps --dump "$T/$d.elf" --db "$DB"
	expect_err "sigdb build $d dump" "$NG" sigdb build --dump "$T/$d.elf" \
		--kallsyms "$SYMS" -o "$T/out.sigdb"
done
expect_err "identify missing dump" "$NG" identify --dump "$T/nope.elf" --db "$DB"

# hostile DBs
: >"$T/empty.sigdb"
head -c 100000 /dev/urandom >"$T/random.sigdb"
head -c 1000 "$DB" >"$T/trunc.sigdb"
size=$(stat -c %s "$DB")
for off in 8 70 300 $((size / 2)) $((size - 3)); do
	cp "$DB" "$T/flip$off.sigdb"
	printf '\xa5' | dd of="$T/flip$off.sigdb" bs=1 seek="$off" conv=notrunc status=none
done
cp "$DB" "$T/ext.sigdb" && echo x >>"$T/ext.sigdb"
for f in "$T"/*.sigdb; do
	expect_err "identify db $(basename "$f")" "$NG" identify --dump "$DUMP" --db "$f"
	expect_err "sigdb info $(basename "$f")" "$NG" sigdb info "$f"
	expect_err "ps db $(basename "$f")" "$NG" ps --dump "$DUMP" --db "$f"
done

# hostile kallsyms
: >"$T/empty.syms"
head -c 100000 /dev/urandom >"$T/random.syms"
sed 's/^[0-9a-f]*/0000000000000000/' "$SYMS" >"$T/zero.syms"
sed '100s/^.*$/zzzz T broken/' "$SYMS" >"$T/badline.syms"
# a kallsyms of another boot: every address moved by 16 MiB
python3 -c '
import sys
for l in open(sys.argv[1]):
    p = l.split()
    print("%016x %s" % ((int(p[0], 16) + (1 << 24)) % (1 << 64), " ".join(p[1:])))
' "$SYMS" >"$T/other.syms"
for s in empty random zero badline other; do
	expect_err "sigdb build $s kallsyms" "$NG" sigdb build --dump "$DUMP" \
		--kallsyms "$T/$s.syms" -o "$T/out.sigdb"
done

# usage errors
expect_err "build without -o" "$NG" sigdb build --dump "$DUMP" --kallsyms "$SYMS"
expect_err "unpaired --dump" "$NG" sigdb build --dump "$DUMP" -o "$T/out.sigdb"
expect_err "identify without --db" "$NG" identify --dump "$DUMP"
expect_err "unknown option" "$NG" identify --frobnicate
expect_err "ps with a VM but no module" "$NG" ps --dump "$DUMP" --db "$DB" 1
expect_err "output in a missing dir" "$NG" sigdb build --dump "$DUMP" \
	--kallsyms "$SYMS" -o "$T/no/such/dir/out.sigdb"

echo "bad-input: $((n - fails))/$n cases behaved"
[ "$fails" -eq 0 ]
