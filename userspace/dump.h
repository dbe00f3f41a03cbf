/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dump.h - guest memory dumps: the ELF core written by QEMU's
 * dump-guest-memory (paging off) and `virsh dump --memory-only`.
 *
 * PT_LOAD segments carry guest-physical memory (p_paddr); the notes carry
 * NT_PRSTATUS and the "QEMU" CPU-state note per vCPU. Everything in the
 * file is untrusted and validated.
 */
#ifndef NG_DUMP_H
#define NG_DUMP_H

#include "guest_walk.h"

struct ng_dump_seg {
	u64 gpa;
	u64 size;		/* bytes backed by the file (p_filesz) */
	u64 off;		/* file offset */
};

struct ng_vcpu_state {
	u64 rip, rsp, rflags;
	u64 cr0, cr3, cr4, efer;	/* efer: 0 if unknown */
	u16 cs_sel;
	u8 cpl;			/* from CS.DPL/selector RPL (QEMU note) */
	bool has_qemu_note;	/* CR3 and CPL come from the QEMU note */
};

struct ng_dump {
	const u8 *map;		/* whole file, mmap'ed read-only */
	size_t size;
	struct ng_dump_seg *segs;	/* sorted by gpa, non-overlapping */
	unsigned int nsegs;
	struct ng_vcpu_state *vcpus;
	unsigned int nvcpus;
	struct ng_physmem mem;	/* reader over this dump (ctx = the dump) */
};

/*
 * Open and validate a dump. On error returns a negative errno and writes a
 * one-line reason (no trailing newline) into err.
 */
int ng_dump_open(struct ng_dump *d, const char *path, char *err, size_t errlen);
void ng_dump_close(struct ng_dump *d);

/*
 * The anchor: the first vCPU that is in kernel mode (CPL 0, canonical
 * higher-half RIP) with a CR3. Returns its index or -ENOENT.
 */
int ng_dump_anchor(const struct ng_dump *d);

/* Direct pointer into the mapping for [gpa, gpa+len) if fully backed by one
 * segment, else NULL. */
const u8 *ng_dump_ptr(const struct ng_dump *d, u64 gpa, size_t len);

#endif /* NG_DUMP_H */
