// SPDX-License-Identifier: GPL-2.0
/*
 * dump.c - open and validate guest memory dumps (ELF64 x86-64 cores from
 * QEMU's dump-guest-memory or `virsh dump --memory-only`).
 *
 * The file is mapped read-only and everything in it is checked before use:
 * header fields, program headers, segment ranges, and every note header.
 *
 * QEMU writes, for n vCPUs, n "CORE" NT_PRSTATUS notes and then n "QEMU"
 * notes (type 0) carrying a QEMUCPUState (target/i386/arch_dump.c):
 *
 *	u32 version (1), u32 size (of the structure as written)
 *	u64 rax rbx rcx rdx rsi rdi rsp rbp r8 .. r15 rip rflags
 *	segment cs ds es fs gs ss ldt tr gdt idt, each
 *		{ u32 selector, u32 limit, u32 flags, u32 pad, u64 base }
 *	u64 cr[5]
 *	u64 kernel_gs_base (added later: QEMU 7.2 writes size 440)
 *
 * The i-th note of each kind belongs to the i-th vCPU. Segment flags use
 * the descriptor layout shifted by 8: present = bit 15, DPL = bits 13-14.
 * The notes hold no EFER; efer stays 0 (unknown).
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"

/* ELF constants, spelled out to keep this file independent of <elf.h>. */
#define EHDR_SIZE	64
#define PHDR_SIZE	56
#define SHDR_SIZE	64
#define ELFCLASS64_	2
#define ELFDATA2LSB_	1
#define ET_CORE_	4
#define EM_X86_64_	62
#define PT_LOAD_	1
#define PT_NOTE_	4
#define PN_XNUM_	0xffff
#define NT_PRSTATUS_	1

/* struct elf_prstatus on x86-64: pr_reg (27 u64) at offset 112 */
#define PRSTATUS_REG_OFF	112
#define PRSTATUS_MIN		(PRSTATUS_REG_OFF + 27 * 8)
#define PR_RIP			16
#define PR_CS			17
#define PR_RFLAGS		18
#define PR_RSP			19

/* QEMUCPUState */
#define QCS_VERSION		1
#define QCS_RSP			(8 + 6 * 8)
#define QCS_RIP			(8 + 16 * 8)
#define QCS_RFLAGS		(QCS_RIP + 8)
#define QCS_SEG(i)		(QCS_RFLAGS + 8 + (i) * 24)
#define QCS_CS			QCS_SEG(0)
#define QCS_CR(i)		(QCS_SEG(10) + (i) * 8)
#define QCS_MIN			QCS_CR(5)	/* 432, no kernel_gs_base */
#define SEG_FLAGS_P		(1u << 15)
#define SEG_FLAGS_DPL(f)	(((f) >> 13) & 3)

#define CR0_PG			(1ull << 31)
#define CR4_PAE			(1ull << 5)
#define CR4_LA57		(1ull << 12)

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* [off, off+len) lies within [0, size) */
static bool in_file(u64 off, u64 len, u64 size)
{
	return off <= size && len <= size - off;
}

static int dump_read(void *ctx, u64 gpa, void *buf, size_t len)
{
	const struct ng_dump *d = ctx;
	u8 *dst = buf;
	unsigned int lo = 0, hi = d->nsegs, i;

	if (!len)
		return 0;
	/* the last segment starting at or below gpa */
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (d->segs[mid].gpa <= gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return -EFAULT;
	/* copy, continuing into directly adjacent segments */
	for (i = lo - 1; i < d->nsegs && len; i++) {
		const struct ng_dump_seg *s = &d->segs[i];
		u64 skip, n;

		if (gpa < s->gpa || gpa - s->gpa >= s->size)
			return -EFAULT;
		skip = gpa - s->gpa;
		n = s->size - skip;
		if (n > len)
			n = len;
		memcpy(dst, d->map + s->off + skip, n);
		dst += n;
		gpa += n;
		len -= n;
	}
	return len ? -EFAULT : 0;
}

const u8 *ng_dump_ptr(const struct ng_dump *d, u64 gpa, size_t len)
{
	unsigned int lo = 0, hi = d->nsegs;
	const struct ng_dump_seg *s;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (d->segs[mid].gpa <= gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	s = &d->segs[lo - 1];
	if (gpa - s->gpa > s->size || len > s->size - (gpa - s->gpa))
		return NULL;
	return d->map + s->off + (gpa - s->gpa);
}

/* A PT_LOAD being validated: memsz matters for overlaps only. */
struct load {
	u64 gpa, memsz, filesz, off;
	unsigned int idx;	/* program header index, for messages */
};

static int cmp_load(const void *a, const void *b)
{
	const struct load *x = a, *y = b;

	if (x->gpa != y->gpa)
		return x->gpa < y->gpa ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Growable per-kind vCPU lists while the notes are parsed. */
struct vlist {
	struct ng_vcpu_state *v;
	unsigned int n, cap;
};

static struct ng_vcpu_state *vlist_add(struct vlist *l)
{
	if (l->n == l->cap) {
		unsigned int ncap = l->cap ? l->cap * 2 : 8;
		struct ng_vcpu_state *nv;

		nv = realloc(l->v, (size_t)ncap * sizeof(*nv));
		if (!nv)
			return NULL;
		l->v = nv;
		l->cap = ncap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

static u8 cpl_from_cs(u32 sel, u32 flags)
{
	u8 rpl = sel & 3;

	/*
	 * CPL is CS.RPL in protected and long mode; a present code
	 * segment's DPL equals it (conforming segments: DPL <= CPL). Take
	 * the larger, so an inconsistent pair never reads as kernel mode.
	 */
	if (flags & SEG_FLAGS_P && SEG_FLAGS_DPL(flags) > rpl)
		return SEG_FLAGS_DPL(flags);
	return rpl;
}

static bool name_is(const u8 *name, u32 namesz, const char *want)
{
	size_t n = strlen(want);

	/* with its NUL, as written; tolerate a writer that drops it */
	if (namesz == n + 1)
		return !memcmp(name, want, n) && name[n] == '\0';
	return namesz == n && !memcmp(name, want, n);
}

static int parse_notes(const u8 *p, u64 len, unsigned int phidx,
		       struct vlist *pr, struct vlist *qs, const char *path,
		       char *err, size_t errlen)
{
	u64 pos = 0;
	unsigned int n = 0;

	while (len - pos >= 12) {
		u32 namesz = ng_le32(p + pos);
		u32 descsz = ng_le32(p + pos + 4);
		u32 type = ng_le32(p + pos + 8);
		u64 name_off = pos + 12;
		u64 desc_off = name_off + (((u64)namesz + 3) & ~3ull);
		const u8 *name = p + name_off, *desc;
		struct ng_vcpu_state *v;

		n++;
		if (namesz == 0 && descsz == 0 && type == 0) {
			pos += 12;	/* zero padding */
			continue;
		}
		/* the last note's descriptor may lack its padding */
		if (desc_off > len || descsz > len - desc_off) {
			seterr(err, errlen,
			       "%s: note %u of segment %u: size beyond its segment (namesz %u, descsz %u)",
			       path, n, phidx, namesz, descsz);
			return -EINVAL;
		}
		desc = p + desc_off;
		pos = desc_off + (((u64)descsz + 3) & ~3ull);
		if (pos > len)
			pos = len;

		if (name_is(name, namesz, "CORE") && type == NT_PRSTATUS_) {
			const u8 *r = desc + PRSTATUS_REG_OFF;

			if (descsz < PRSTATUS_MIN) {
				seterr(err, errlen,
				       "%s: note %u of segment %u: NT_PRSTATUS too short (%u bytes)",
				       path, n, phidx, descsz);
				return -EINVAL;
			}
			v = vlist_add(pr);
			if (!v)
				goto nomem;
			v->rip = ng_le64(r + PR_RIP * 8);
			v->cs_sel = (u16)ng_le64(r + PR_CS * 8);
			v->rflags = ng_le64(r + PR_RFLAGS * 8);
			v->rsp = ng_le64(r + PR_RSP * 8);
			v->cpl = v->cs_sel & 3;
		} else if (name_is(name, namesz, "QEMU") && type == 0) {
			u32 version, size, flags;

			if (descsz < 8) {
				seterr(err, errlen,
				       "%s: note %u of segment %u: QEMU CPU state too short (%u bytes)",
				       path, n, phidx, descsz);
				return -EINVAL;
			}
			version = ng_le32(desc);
			size = ng_le32(desc + 4);
			if (version != QCS_VERSION) {
				seterr(err, errlen,
				       "%s: note %u of segment %u: unsupported QEMU CPU state version %u",
				       path, n, phidx, version);
				return -EINVAL;
			}
			if (size < QCS_MIN || size > descsz) {
				seterr(err, errlen,
				       "%s: note %u of segment %u: bad QEMU CPU state size %u (note holds %u, need %u)",
				       path, n, phidx, size, descsz, QCS_MIN);
				return -EINVAL;
			}
			v = vlist_add(qs);
			if (!v)
				goto nomem;
			v->rsp = ng_le64(desc + QCS_RSP);
			v->rip = ng_le64(desc + QCS_RIP);
			v->rflags = ng_le64(desc + QCS_RFLAGS);
			v->cs_sel = (u16)ng_le32(desc + QCS_CS);
			flags = ng_le32(desc + QCS_CS + 8);
			v->cpl = cpl_from_cs(v->cs_sel, flags);
			v->cr0 = ng_le64(desc + QCS_CR(0));
			v->cr3 = ng_le64(desc + QCS_CR(3));
			v->cr4 = ng_le64(desc + QCS_CR(4));
			v->has_qemu_note = true;
		}
	}
	return 0;
nomem:
	seterr(err, errlen, "%s: out of memory", path);
	return -ENOMEM;
}

/* Program header count, following PN_XNUM into section header 0. */
static int phdr_count(const u8 *m, u64 size, u64 *count, const char *path,
		      char *err, size_t errlen)
{
	u64 phnum = ng_le16(m + 56), shoff;

	if (phnum != PN_XNUM_) {
		*count = phnum;
		return 0;
	}
	shoff = ng_le64(m + 40);
	if (ng_le16(m + 58) != SHDR_SIZE || !in_file(shoff, SHDR_SIZE, size)) {
		seterr(err, errlen,
		       "%s: bad section header (needed for the program header count)",
		       path);
		return -EINVAL;
	}
	*count = ng_le32(m + shoff + 44);	/* sh_info */
	return 0;
}

static int validate(struct ng_dump *d, const char *path, char *err,
		    size_t errlen)
{
	const u8 *m = d->map;
	u64 size = d->size, phoff, phnum, i;
	struct vlist pr = { 0 }, qs = { 0 };
	struct load *loads = NULL;
	unsigned int nloads = 0, k;
	int ret;

	if (size < 4 || memcmp(m, "\177ELF", 4)) {
		seterr(err, errlen, "%s: not an ELF file", path);
		return -EINVAL;
	}
	if (size < EHDR_SIZE) {
		seterr(err, errlen, "%s: truncated ELF header", path);
		return -EINVAL;
	}
	if (m[4] != ELFCLASS64_) {
		seterr(err, errlen, "%s: not a 64-bit ELF file", path);
		return -EINVAL;
	}
	if (m[5] != ELFDATA2LSB_) {
		seterr(err, errlen, "%s: not a little-endian ELF file", path);
		return -EINVAL;
	}
	if (ng_le16(m + 16) != ET_CORE_) {
		seterr(err, errlen, "%s: not an ELF core file (type %u)", path,
		       ng_le16(m + 16));
		return -EINVAL;
	}
	if (ng_le16(m + 18) != EM_X86_64_) {
		seterr(err, errlen, "%s: not an x86-64 core (machine %u)", path,
		       ng_le16(m + 18));
		return -EINVAL;
	}
	/* e_ehsize is not checked: QEMU writes a wrong one */
	phoff = ng_le64(m + 32);
	ret = phdr_count(m, size, &phnum, path, err, errlen);
	if (ret)
		return ret;
	if (!phnum) {
		seterr(err, errlen, "%s: no program headers", path);
		return -EINVAL;
	}
	if (ng_le16(m + 54) != PHDR_SIZE) {
		seterr(err, errlen, "%s: bad program header size %u", path,
		       ng_le16(m + 54));
		return -EINVAL;
	}
	if (phnum > size / PHDR_SIZE ||
	    !in_file(phoff, phnum * PHDR_SIZE, size)) {
		seterr(err, errlen, "%s: truncated program headers", path);
		return -EINVAL;
	}

	loads = malloc(phnum * sizeof(*loads));
	if (!loads)
		goto nomem;
	for (i = 0; i < phnum; i++) {
		const u8 *ph = m + phoff + i * PHDR_SIZE;
		u32 type = ng_le32(ph);
		u64 off = ng_le64(ph + 8), paddr = ng_le64(ph + 24);
		u64 filesz = ng_le64(ph + 32), memsz = ng_le64(ph + 40);

		if (type != PT_LOAD_ && type != PT_NOTE_)
			continue;
		if (!in_file(off, filesz, size)) {
			seterr(err, errlen,
			       "%s: segment %llu lies beyond the end of the file (truncated dump?)",
			       path, (unsigned long long)i);
			ret = -EINVAL;
			goto out;
		}
		if (type == PT_NOTE_) {
			ret = parse_notes(m + off, filesz, (unsigned int)i, &pr,
					  &qs, path, err, errlen);
			if (ret)
				goto out;
			continue;
		}
		if (filesz > memsz) {
			seterr(err, errlen,
			       "%s: segment %llu: file size exceeds memory size",
			       path, (unsigned long long)i);
			ret = -EINVAL;
			goto out;
		}
		if (memsz && paddr + memsz - 1 < paddr) {
			seterr(err, errlen,
			       "%s: segment %llu wraps around the physical address space",
			       path, (unsigned long long)i);
			ret = -EINVAL;
			goto out;
		}
		if (!memsz)
			continue;
		loads[nloads].gpa = paddr;
		loads[nloads].memsz = memsz;
		loads[nloads].filesz = filesz;
		loads[nloads].off = off;
		loads[nloads].idx = (unsigned int)i;
		nloads++;
	}
	qsort(loads, nloads, sizeof(*loads), cmp_load);
	for (k = 0; k + 1 < nloads; k++) {
		if (loads[k].gpa + loads[k].memsz > loads[k + 1].gpa) {
			seterr(err, errlen,
			       "%s: memory segments %u and %u overlap", path,
			       loads[k].idx, loads[k + 1].idx);
			ret = -EINVAL;
			goto out;
		}
	}

	d->segs = malloc((nloads ? nloads : 1) * sizeof(*d->segs));
	if (!d->segs)
		goto nomem;
	for (k = 0; k < nloads; k++) {
		if (!loads[k].filesz)
			continue;	/* nothing in the file to read */
		d->segs[d->nsegs].gpa = loads[k].gpa;
		d->segs[d->nsegs].size = loads[k].filesz;
		d->segs[d->nsegs].off = loads[k].off;
		d->nsegs++;
	}
	if (!d->nsegs) {
		seterr(err, errlen, "%s: no memory segments", path);
		ret = -EINVAL;
		goto out;
	}

	if (!qs.n) {
		seterr(err, errlen,
		       "%s: no QEMU CPU state notes (need dump-guest-memory or virsh dump --memory-only)",
		       path);
		ret = -EINVAL;
		goto out;
	}
	/* The QEMU note has every field we use; NT_PRSTATUS fills in for
	 * vCPUs beyond the QEMU notes only. */
	if (pr.n > qs.n) {
		d->vcpus = pr.v;
		d->nvcpus = pr.n;
		pr.v = NULL;
		memcpy(d->vcpus, qs.v, qs.n * sizeof(*qs.v));
	} else {
		d->vcpus = qs.v;
		d->nvcpus = qs.n;
		qs.v = NULL;
	}
	ret = 0;
out:
	free(loads);
	free(pr.v);
	free(qs.v);
	return ret;
nomem:
	seterr(err, errlen, "%s: out of memory", path);
	ret = -ENOMEM;
	goto out;
}

int ng_dump_open(struct ng_dump *d, const char *path, char *err, size_t errlen)
{
	struct stat st;
	void *map;
	int fd, ret;

	memset(d, 0, sizeof(*d));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		seterr(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		seterr(err, errlen, "%s: %s", path, strerror(-ret));
		close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		seterr(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if (st.st_size == 0) {
		seterr(err, errlen, "%s: empty file", path);
		close(fd);
		return -EINVAL;
	}
	if ((u64)st.st_size > SIZE_MAX) {
		seterr(err, errlen, "%s: too large to map", path);
		close(fd);
		return -EFBIG;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	ret = -errno;
	close(fd);
	if (map == MAP_FAILED) {
		seterr(err, errlen, "%s: cannot map: %s", path, strerror(-ret));
		return ret;
	}
	d->map = map;
	d->size = (size_t)st.st_size;
	d->mem.ctx = d;
	d->mem.read = dump_read;

	ret = validate(d, path, err, errlen);
	if (ret)
		ng_dump_close(d);
	return ret;
}

void ng_dump_close(struct ng_dump *d)
{
	if (d->map)
		munmap((void *)d->map, d->size);
	free(d->segs);
	free(d->vcpus);
	memset(d, 0, sizeof(*d));
}

int ng_dump_anchor(const struct ng_dump *d)
{
	unsigned int i;

	for (i = 0; i < d->nvcpus; i++) {
		const struct ng_vcpu_state *v = &d->vcpus[i];
		bool la57 = v->cr4 & CR4_LA57;
		u64 upper = la57 ? 0xff00000000000000ull :
				   0xffff800000000000ull;

		if (!v->has_qemu_note || v->cpl != 0 || !v->cr3)
			continue;
		if (!(v->cr0 & CR0_PG) || !(v->cr4 & CR4_PAE))
			continue;	/* not in long mode with paging */
		if (v->rip < upper)
			continue;
		return (int)i;
	}
	return -ENOENT;
}
