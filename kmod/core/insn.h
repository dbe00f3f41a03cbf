/* SPDX-License-Identifier: GPL-2.0 */
/*
 * insn.h - x86-64 instruction decoder (64-bit mode only).
 *
 * Written from the Intel SDM / AMD APM opcode maps. It decodes enough of an
 * instruction to know its length and the location of every field that
 * normalisation needs (displacement, immediate, relative branch target).
 * It never reads past the buffer it is given and never allocates.
 */
#ifndef NG_INSN_H
#define NG_INSN_H

#include "ng_env.h"

#define NG_INSN_MAX	15

/* ng_insn.flags */
#define NG_IF_MODRM	0x0001	/* has a ModRM byte */
#define NG_IF_SIB	0x0002	/* has a SIB byte */
#define NG_IF_RIPREL	0x0004	/* memory operand is [rip + disp32] */
#define NG_IF_REL	0x0008	/* immediate is a relative branch offset */
#define NG_IF_VEX	0x0010	/* VEX (c4/c5) encoded */
#define NG_IF_EVEX	0x0020	/* EVEX (62) encoded */
#define NG_IF_XOP	0x0040	/* AMD XOP (8f) encoded */
#define NG_IF_LOCK	0x0080	/* f0 prefix */
#define NG_IF_REP	0x0100	/* f3 prefix */
#define NG_IF_REPNE	0x0200	/* f2 prefix */
#define NG_IF_OPSIZE	0x0400	/* 66 prefix */
#define NG_IF_ADSIZE	0x0800	/* 67 prefix */
#define NG_IF_SEG	0x1000	/* a segment override prefix */
#define NG_IF_MOFFS	0x2000	/* a0-a3 absolute moffs (disp_len 8 or 4) */
#define NG_IF_MEM	0x4000	/* ModRM addresses memory (mod != 3) */

/* ng_insn.kind: what control flow does */
enum ng_insn_kind {
	NG_K_OTHER = 0,
	NG_K_CALL_REL,		/* e8 rel32 */
	NG_K_JMP_REL,		/* e9 rel32, eb rel8 */
	NG_K_JCC_REL,		/* 7x rel8, 0f 8x rel32, e0-e3 loop/jrcxz,
				 * c7 f8 xbegin */
	NG_K_CALL_IND,		/* ff /2, ff /3 */
	NG_K_JMP_IND,		/* ff /4, ff /5 */
	NG_K_RET,		/* c3, c2 iw, cb, ca iw, iret, sysret, sysexit */
	NG_K_INT3,		/* cc */
	NG_K_UD,		/* ud2 (0f 0b), ud1 (0f b9), ud0 (0f ff) */
	NG_K_HLT,		/* f4 */
	NG_K_NOP,		/* 90 (no rex.b, no f3), 66 90, 0f 1f multi-byte
				 * nop, hint nops (see insn.c) */
	NG_K_ENDBR,		/* f3 0f 1e fa / fb */
	NG_K_INT,		/* cd ib, int1 f1, into */
};

struct ng_insn {
	u8 len;			/* total length, 1..15 */
	u8 kind;		/* enum ng_insn_kind */
	u16 flags;		/* NG_IF_* */
	u8 map;			/* 0: 1-byte, 1: 0f, 2: 0f38, 3: 0f3a, VEX/EVEX mmmmm otherwise */
	u8 opcode;		/* the opcode byte within its map */
	u8 opc_off;		/* offset of the opcode byte within the instruction */
	u8 rex;			/* REX byte, 0 if none */
	u8 modrm;		/* valid if NG_IF_MODRM */
	u8 sib;			/* valid if NG_IF_SIB */
	u8 disp_off;		/* offset of the displacement, 0 if none */
	u8 disp_len;		/* 0, 1, 2, 4 or 8 (moffs) */
	u8 imm_off;		/* offset of the immediate, 0 if none */
	u8 imm_len;		/* bytes in the immediate(s), total (enter: 3) */
	s64 disp;		/* sign-extended displacement (EVEX disp8: not
				 * scaled by N; moffs: the address) */
	s64 imm;		/* sign-extended immediate (first one for enter) */
};

/*
 * Decode one instruction at buf (at most len bytes may be read).
 * Returns the instruction length (1..15), -ENODATA if the buffer ends before
 * the instruction does, or -EINVAL if the bytes are not a valid 64-bit mode
 * instruction.
 */
int ng_insn_decode(struct ng_insn *insn, const u8 *buf, size_t len);

/* Length only: same result as ng_insn_decode(), faster. */
int ng_insn_len(const u8 *buf, size_t len);

/* For NG_IF_REL instructions: target = ip + len + imm. */
static inline u64 ng_insn_target(const struct ng_insn *insn, u64 ip)
{
	return ip + insn->len + (u64)insn->imm;
}

#endif /* NG_INSN_H */
