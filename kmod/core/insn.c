// SPDX-License-Identifier: GPL-2.0
/*
 * insn.c - x86-64 instruction decoder (64-bit mode only).
 *
 * Written from the opcode maps of the Intel SDM (vol. 2, appendix A) and the
 * AMD APM (vol. 3, appendix A). One pass, in the order the bytes come:
 *
 *   legacy prefixes / REX  ->  opcode (1-byte, 0f, 0f38, 0f3a, 3DNow,
 *   VEX c5/c4, EVEX 62, XOP 8f)  ->  ModRM  ->  SIB  ->  displacement
 *   ->  immediate
 *
 * Everything that decides the length is a table lookup: one 32-bit
 * attribute word per opcode and map (ng_map*), a ModRM table giving the SIB
 * and displacement sizes, a group table for opcodes whose immediate, kind or
 * validity depends on ModRM.reg/mod (f6/f7, c6/c7, ff, ...), and an
 * immediate-size table indexed by the operand/address-size state. Only a
 * handful of opcodes whose meaning depends on a mandatory prefix (endbr64,
 * extrq/insertq, popcnt, lkgs, pause) take a slower switch.
 *
 * Speed: a linear sweep is one long dependency chain (each length gives the
 * next address), so ng_insn_len() and ng_insn_decode() start with a small
 * leaf path for the common case (at least NG_FAST_LEN bytes readable, at
 * most a REX, 1-byte or 0f map, nothing prefix-dependent) whose chain is a
 * byte load and a table load or two, with the default immediate size kept
 * in the attribute word. Everything else goes through the general decoder
 * (ng_decode_any), which is also the reference: the unit tests and the
 * oracle check that both paths agree on every field.
 *
 * Choices where the manuals leave room, documented once here:
 *  - 66 before e8/e9/0f 8x (rel32 branches): Intel CPUs ignore it in 64-bit
 *    mode, AMD CPUs take a rel16. We decode as Intel does (rel32), as Zydis
 *    and objdump -M intel64 do.
 *  - ea (far jmp ptr16:32) is invalid in 64-bit mode: -EINVAL. Startup code
 *    of real kernels contains one (assembled as 32-bit code, but inside
 *    .text); Zydis refuses it too.
 *  - REX followed by a legacy prefix is ignored, as by the CPU (REX counts
 *    only immediately before the opcode). REX or 66/f2/f3/f0 before a VEX,
 *    EVEX or XOP escape is -EINVAL (#UD).
 *  - LOCK legality is not checked (it never changes the length).
 *  - EVEX disp8*N: disp holds the raw, sign-extended 8-bit value; the
 *    scaling by N does not change the length and is not applied.
 *  - moffs (a0-a3): disp holds the address, zero-extended when 4 bytes (67).
 *  - 3DNow (0f 0f): map 1, opcode 0x0f, imm = the suffix byte (the real
 *    opcode).
 *  - enter (c8): imm_len 3, imm = the 16-bit frame size, sign-extended.
 *  - extrq/insertq (66/f2 0f 78 ib ib): imm_len 2, imm = the first ib,
 *    sign-extended (as for enter, the first immediate).
 *  - kind NOP: 90 without REX.B (f3 90 is pause), any 66s before it, and
 *    the hint NOPs as Zydis classes them (NOP/WIDENOP): 0f 1f, 0f 19,
 *    0f 1d, 0f 18 /4-/7, 0f 1c but cldemote, 0f 1e but endbr/rdssp, the
 *    register forms of 0f 0d and of 0f 1a/1b without an MPX prefix.
 *  - xbegin (c7 f8 rel): NG_K_JCC_REL with NG_IF_REL (it may branch to the
 *    abort handler); xabort and xend are NG_K_OTHER.
 *  - VEX 0f 84/85 and EVEX with P1 bit 2 clear are Knights Corner (KNC)
 *    encodings, not x86-64: -EINVAL (Zydis 4 decodes them).
 *  - Groups and maps are checked for undefined opcodes where it is cheap
 *    (the table); undefined ModRM forms of 0f 01, 0f ae, 0f c7 and x87
 *    are accepted (their length is well defined either way).
 */
#include "insn.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#endif
#ifndef noinline
#define noinline __attribute__((__noinline__))
#endif

/*
 * Attribute word, one per opcode.
 *
 *  bits 0-2   immediate type (T_*)
 *  bit  3     A_REL: the immediate is a relative branch offset
 *  bit  4     A_MODRM
 *  bit  5     A_BAD: not a valid instruction in 64-bit mode
 *  bit  6     A_SPEC: length/kind/validity depend on a mandatory prefix
 *  bit  7     A_REGONLY: ModRM.mod is ignored, always a register (mov cr/dr)
 *  bits 8-11  kind (enum ng_insn_kind)
 *  bits 12-15 group: ModRM.reg/mod select a replacement word in ng_grp[]
 *  bits 16-19 (opcodes) immediate bytes without 66, 67 or REX.W
 *  bit  20    (opcodes) A_DSLOW: not for ng_insn_decode's fast path
 *  bits 16-28 (prefix bytes) the NG_IF_* flag it sets, << 16
 *  bit  29    A_PFX: legacy prefix or REX (1-byte map only)
 *  bit  30    A_REX
 *  bit  31    A_ESC: escape to another map (0f, 0f 38, 0f 3a, c4, c5, 62, 8f)
 */
enum {
	T_NONE = 0,
	T_B,			/* 1 byte */
	T_W,			/* 2 bytes */
	T_Z,			/* 2 with 66, else 4 (REX.W wins over 66) */
	T_V,			/* 2 with 66, 8 with REX.W, else 4 (b8+r) */
	T_D,			/* 4 bytes, whatever the operand size */
	T_ENTER,		/* iw + ib */
	T_MOFFS,		/* a0-a3: 8-byte address, 4 with 67 */
};

#define I_MASK		0x7u
#define A_LSHIFT	16
#define A_DSLOW		0x100000u	/* decode's fast path skips it */
#define A_REL		0x8u
#define A_MODRM		0x10u
#define A_BAD		0x20u
#define A_SPEC		0x40u
#define A_REGONLY	0x80u
#define A_KSHIFT	8
#define A_GSHIFT	12
#define A_FSHIFT	16
#define A_PFX		0x20000000u
#define A_REX		0x40000000u
#define A_ESC		0x80000000u

#define K(k)		((u32)(k) << A_KSHIFT)
#define IT(t, l)	((u32)(t) | (u32)(l) << A_LSHIFT)

/* Immediate types with their default size (no 66, 67 or REX.W). */
#define I_B		IT(T_B, 1)
#define I_W		IT(T_W, 2)
#define I_Z		IT(T_Z, 4)
#define I_V		IT(T_V, 4)
#define I_D		IT(T_D, 4)
#define I_ENTER		IT(T_ENTER, 3)
#define I_MOFFS		(IT(T_MOFFS, 8) | A_DSLOW)
#define G(g)		((u32)(g) << A_GSHIFT)

/* Short names for the tables. */
#define __	0u				/* no ModRM, no immediate */
#define X	A_BAD				/* invalid */
#define M	A_MODRM				/* ModRM */
#define Mb	(A_MODRM | I_B)			/* ModRM, imm8 */
#define Mz	(A_MODRM | I_Z)			/* ModRM, imm16/32 */
#define Ib	I_B
#define Iw	I_W
#define Iz	I_Z
#define Iv	I_V
#define MO	I_MOFFS
#define ESC	A_ESC
#define REX	(A_PFX | A_REX)
#define PF(f)	(A_PFX | (u32)(f) << A_FSHIFT)
#define SEG	PF(NG_IF_SEG)
#define OSZ	PF(NG_IF_OPSIZE)
#define ASZ	PF(NG_IF_ADSIZE)
#define R8	(I_B | A_REL)			/* rel8 */
#define R32	(I_D | A_REL)			/* rel32 (66 ignored) */
#define J8	(R8 | K(NG_K_JCC_REL))
#define SP	A_SPEC
#define RO	(A_MODRM | A_REGONLY)
#define NOPK	K(NG_K_NOP)
#define J32	(R32 | K(NG_K_JCC_REL))

/* Groups: index into ng_grp[]. */
enum {
	GR_NONE = 0,
	GR_LEA,			/* 8d: memory only */
	GR_POP,			/* 8f /0 (when not XOP) */
	GR_C6,			/* c6 /0 mov ib, c6 f8 xabort ib */
	GR_C7,			/* c7 /0 mov iz, c7 f8 xbegin rel */
	GR_F6,			/* f6 /0,/1 test ib */
	GR_F7,			/* f7 /0,/1 test iz */
	GR_FE,			/* fe /0,/1 inc/dec */
	GR_FF,			/* ff: inc dec call callf jmp jmpf push */
	GR_0F00,		/* 0f 00: sldt str lldt ltr verr verw lkgs */
	GR_0F18,		/* 0f 18: prefetch /0-/3, hint nop /4-/7 */
	GR_0F0D,		/* 0f 0d: prefetch(w) mem, nop reg */
	GR_NUM
};

/*
 * The 1-byte map and the 0f map, side by side so that the fast path picks
 * one with an index instead of a branch.
 */
static const u32 ng_map01[2][256] = {
/* 1-byte opcode map. */
{
/*        0       1       2       3       4       5       6       7
 *        8       9       a       b       c       d       e       f */
/* 00 */ M,      M,      M,      M,      Ib,     Iz,     X,      X,
	 M,      M,      M,      M,      Ib,     Iz,     X,      ESC,
/* 10 */ M,      M,      M,      M,      Ib,     Iz,     X,      X,
	 M,      M,      M,      M,      Ib,     Iz,     X,      X,
/* 20 */ M,      M,      M,      M,      Ib,     Iz,     SEG,    X,
	 M,      M,      M,      M,      Ib,     Iz,     SEG,    X,
/* 30 */ M,      M,      M,      M,      Ib,     Iz,     SEG,    X,
	 M,      M,      M,      M,      Ib,     Iz,     SEG,    X,
/* 40 */ REX,    REX,    REX,    REX,    REX,    REX,    REX,    REX,
	 REX,    REX,    REX,    REX,    REX,    REX,    REX,    REX,
/* 50 */ __,     __,     __,     __,     __,     __,     __,     __,
	 __,     __,     __,     __,     __,     __,     __,     __,
/* 60 */ X,      X,      ESC,    M,      SEG,    SEG,    OSZ,    ASZ,
	 Iz,     Mz,     Ib,     Mb,     __,     __,     __,     __,
/* 70 */ J8,     J8,     J8,     J8,     J8,     J8,     J8,     J8,
	 J8,     J8,     J8,     J8,     J8,     J8,     J8,     J8,
/* 80 */ Mb,     Mz,     X,      Mb,     M,      M,      M,      M,
	 M,      M,      M,      M,      M,      M|G(GR_LEA), M,   ESC,
/* 90 */ SP,     __,     __,     __,     __,     __,     __,     __,
	 __,     __,     X,      __,     __,     __,     __,     __,
/* a0 */ MO,     MO,     MO,     MO,     __,     __,     __,     __,
	 Ib,     Iz,     __,     __,     __,     __,     __,     __,
/* b0 */ Ib,     Ib,     Ib,     Ib,     Ib,     Ib,     Ib,     Ib,
	 Iv,     Iv,     Iv,     Iv,     Iv,     Iv,     Iv,     Iv,
/* c0 */ Mb,     Mb,     Iw|K(NG_K_RET), K(NG_K_RET),
	 ESC,    ESC,    M|G(GR_C6), M|G(GR_C7),
	 I_ENTER, __,    Iw|K(NG_K_RET), K(NG_K_RET),
	 K(NG_K_INT3), Ib|K(NG_K_INT), X, K(NG_K_RET),
/* d0 */ M,      M,      M,      M,      X,      X,      X,      __,
	 M,      M,      M,      M,      M,      M,      M,      M,
/* e0 */ J8,     J8,     J8,     J8,
	 Ib,     Ib,     Ib,     Ib,
	 R32|K(NG_K_CALL_REL), R32|K(NG_K_JMP_REL), X, R8|K(NG_K_JMP_REL),
	 __,     __,     __,     __,
/* f0 */ PF(NG_IF_LOCK), K(NG_K_INT), PF(NG_IF_REPNE), PF(NG_IF_REP),
	 K(NG_K_HLT), __, M|G(GR_F6), M|G(GR_F7),
	 __,     __,     __,     __,     __,     __,     M|G(GR_FE), M|G(GR_FF),
},
/* Two-byte map: 0f xx. */
{
/*        0       1       2       3       4       5       6       7
 *        8       9       a       b       c       d       e       f */
/* 00 */ M|G(GR_0F00), M, M,     M,      X,      __,     __,     K(NG_K_RET),
	 __,     __,     X,      K(NG_K_UD), X,  M|G(GR_0F0D), __, Mb,
/* 10 */ M,      M,      M,      M,      M,      M,      M,      M,
	 M|G(GR_0F18), M|NOPK, M|SP, M|SP, M|SP, M|NOPK, M|SP,   M|NOPK,
/* 20 */ RO,     RO,     RO,     RO,     X,      X,      X,      X,
	 M,      M,      M,      M,      M,      M,      M,      M,
/* 30 */ __,     __,     __,     __,     __,     K(NG_K_RET), X,  __,
	 ESC,    X,      ESC,    X,      X,      X,      X,      X,
/* 40 */ M,      M,      M,      M,      M,      M,      M,      M,
	 M,      M,      M,      M,      M,      M,      M,      M,
/* 50 */ M,      M,      M,      M,      M,      M,      M,      M,
	 M,      M,      M,      M,      M,      M,      M,      M,
/* 60 */ M,      M,      M,      M,      M,      M,      M,      M,
	 M,      M,      M,      M,      M,      M,      M,      M,
/* 70 */ Mb,     Mb,     Mb,     Mb,     M,      M,      M,      __,
	 M|SP,   M|SP,   X,      X,      M,      M,      M,      M,
/* 80 */ J32,    J32,    J32,    J32,    J32,    J32,    J32,    J32,
	 J32,    J32,    J32,    J32,    J32,    J32,    J32,    J32,
/* 90 */ M,      M,      M,      M,      M,      M,      M,      M,
	 M,      M,      M,      M,      M,      M,      M,      M,
/* a0 */ __,     __,     __,     M,      Mb,     M,      M,      M,
	 __,     __,     __,     M,      Mb,     M,      M,      M,
/* b0 */ M,      M,      M,      M,      M,      M,      M,      M,
	 M|SP,   M|K(NG_K_UD), Mb, M,  M,      M,      M,      M,
/* c0 */ M,      M,      Mb,     M,      Mb,     Mb,     Mb,     M,
	 __,     __,     __,     __,     __,     __,     __,     __,
/* d0 */ M,      M,      M,      M,      M,      M,      M,      M,
	 M,      M,      M,      M,      M,      M,      M,      M,
/* e0 */ M,      M,      M,      M,      M,      M,      M,      M,
	 M,      M,      M,      M,      M,      M,      M,      M,
/* f0 */ M,      M,      M,      M,      M,      M,      M,      M,
	 M,      M,      M,      M,      M,      M,      M,      M|K(NG_K_UD),
},
};
#define ng_map0	ng_map01[0]
#define ng_map1	ng_map01[1]

/* Three-byte map 0f 38 xx: ModRM, no immediate; undefined rows are X. */
static const u32 ng_map2[256] = {
/*        0       1       2       3       4       5       6       7
 *        8       9       a       b       c       d       e       f */
/* 00 */ M,      M,      M,      M,      M,      M,      M,      M,
	 M,      M,      M,      M,      X,      X,      X,      X,
/* 10 */ M,      X,      X,      X,      M,      M,      X,      M,
	 X,      X,      X,      X,      M,      M,      M,      X,
/* 20 */ M,      M,      M,      M,      M,      M,      X,      X,
	 M,      M,      M,      M,      X,      X,      X,      X,
/* 30 */ M,      M,      M,      M,      M,      M,      X,      M,
	 M,      M,      M,      M,      M,      M,      M,      M,
/* 40 */ M,      M,      X,      X,      X,      X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      X,
/* 50 */ X,      X,      X,      X,      X,      X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      X,
/* 60 */ X,      X,      X,      X,      X,      X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      X,
/* 70 */ X,      X,      X,      X,      X,      X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      X,
/* 80 */ M,      M,      M,      X,      X,      X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      X,
/* 90 */ X,      X,      X,      X,      X,      X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      X,
/* a0 */ X,      X,      X,      X,      X,      X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      X,
/* b0 */ X,      X,      X,      X,      X,      X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      X,
/* c0 */ X,      X,      X,      X,      X,      X,      X,      X,
	 M,      M,      M,      M,      M,      M,      X,      M,
/* d0 */ X,      X,      X,      X,      X,      X,      X,      X,
	 M,      M,      M,      M,      M,      M,      M,      M,
/* e0 */ X,      X,      X,      X,      X,      X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      X,
/* f0 */ M,      M,      X,      X,      X,      M,      M,      X,
	 M,      M,      M,      M,      M,      X,      X,      X,
};

/* Three-byte map 0f 3a xx: ModRM and imm8; undefined rows are X. */
static const u32 ng_map3[256] = {
/*        0       1       2       3       4       5       6       7
 *        8       9       a       b       c       d       e       f */
/* 00 */ X,      X,      X,      X,      X,      X,      X,      X,
	 Mb,     Mb,     Mb,     Mb,     Mb,     Mb,     Mb,     Mb,
/* 10 */ X,      X,      X,      X,      Mb,     Mb,     Mb,     Mb,
	 X,      X,      X,      X,      X,      X,      X,      X,
/* 20 */ Mb,     Mb,     Mb,     X,      X,      X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      X,
/* 30 */ X,      X,      X,      X,      X,      X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      X,
/* 40 */ Mb,     Mb,     Mb,     X,      Mb,     X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      X,
/* 50 */ X,      X,      X,      X,      X,      X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      X,
/* 60 */ Mb,     Mb,     Mb,     Mb,     X,      X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      X,
/* 70 */ X,      X,      X,      X,      X,      X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      X,
/* 80 */ X,      X,      X,      X,      X,      X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      X,
/* 90 */ X,      X,      X,      X,      X,      X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      X,
/* a0 */ X,      X,      X,      X,      X,      X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      X,
/* b0 */ X,      X,      X,      X,      X,      X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      X,
/* c0 */ X,      X,      X,      X,      X,      X,      X,      X,
	 X,      X,      X,      X,      Mb,     X,      Mb,     Mb,
/* d0 */ X,      X,      X,      X,      X,      X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      Mb,
/* e0 */ X,      X,      X,      X,      X,      X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      X,
/* f0 */ Mb,     X,      X,      X,      X,      X,      X,      X,
	 X,      X,      X,      X,      X,      X,      X,      X,
};

/*
 * VEX/EVEX map 1 (0f): everything has ModRM; imm8 on 70-73 (pshuf*, shift
 * groups), c2 (cmp), c4-c6 (pinsrw, pextrw, shufp); VEX 77 (vzeroupper,
 * vzeroall) has neither ModRM nor immediate and does not exist in EVEX.
 */
static const u32 ng_vex1[256] = {
/* 00 */ M, M, M, M, M, M, M, M,  M, M, M, M, M, M, M, M,
/* 10 */ M, M, M, M, M, M, M, M,  M, M, M, M, M, M, M, M,
/* 20 */ M, M, M, M, M, M, M, M,  M, M, M, M, M, M, M, M,
/* 30 */ M, M, M, M, M, M, M, M,  M, M, M, M, M, M, M, M,
/* 40 */ M, M, M, M, M, M, M, M,  M, M, M, M, M, M, M, M,
/* 50 */ M, M, M, M, M, M, M, M,  M, M, M, M, M, M, M, M,
/* 60 */ M, M, M, M, M, M, M, M,  M, M, M, M, M, M, M, M,
/* 70 */ Mb, Mb, Mb, Mb, M, M, M, __,  M, M, M, M, M, M, M, M,
/* 80 */ M, M, M, M, X, X, M, M,  M, M, M, M, M, M, M, M,
/* 90 */ M, M, M, M, M, M, M, M,  M, M, M, M, M, M, M, M,
/* a0 */ M, M, M, M, M, M, M, M,  M, M, M, M, M, M, M, M,
/* b0 */ M, M, M, M, M, M, M, M,  M, M, M, M, M, M, M, M,
/* c0 */ M, M, Mb, M, Mb, Mb, Mb, M,  M, M, M, M, M, M, M, M,
/* d0 */ M, M, M, M, M, M, M, M,  M, M, M, M, M, M, M, M,
/* e0 */ M, M, M, M, M, M, M, M,  M, M, M, M, M, M, M, M,
/* f0 */ M, M, M, M, M, M, M, M,  M, M, M, M, M, M, M, M,
};

/* Modrm-only and modrm+imm8 words for the uniform maps. */
#define MAP_M		A_MODRM		/* VEX/EVEX 0f38, EVEX 5, 6, XOP 9 */
#define MAP_MB		(A_MODRM | I_B)	/* VEX/EVEX 0f3a, XOP 8 */
#define MAP_MD		(A_MODRM | I_D)	/* XOP a */

/*
 * Groups: ng_grp[group][mod == 3][reg] replaces the attribute word once the
 * ModRM byte is known.
 */
#define GM(w)	{ w, w, w, w, w, w, w, w }
static const u32 ng_grp[GR_NUM][2][8] = {
	[GR_LEA] = { GM(M), GM(X) },
	[GR_POP] = {
		{ M, X, X, X, X, X, X, X },
		{ M, X, X, X, X, X, X, X },
	},
	[GR_C6] = {
		{ Mb, X, X, X, X, X, X, X },
		{ Mb, X, X, X, X, X, X, Mb },		/* c6 f8 xabort */
	},
	[GR_C7] = {
		{ Mz, X, X, X, X, X, X, X },
		{ Mz, X, X, X, X, X, X,
		  Mz | A_REL | K(NG_K_JCC_REL) },	/* c7 f8 xbegin */
	},
	[GR_F6] = {
		{ Mb, Mb, M, M, M, M, M, M },
		{ Mb, Mb, M, M, M, M, M, M },
	},
	[GR_F7] = {
		{ Mz, Mz, M, M, M, M, M, M },
		{ Mz, Mz, M, M, M, M, M, M },
	},
	[GR_FE] = {
		{ M, M, X, X, X, X, X, X },
		{ M, M, X, X, X, X, X, X },
	},
	[GR_FF] = {
		{ M, M, M | K(NG_K_CALL_IND), M | K(NG_K_CALL_IND),
		  M | K(NG_K_JMP_IND), M | K(NG_K_JMP_IND), M, X },
		{ M, M, M | K(NG_K_CALL_IND), X,
		  M | K(NG_K_JMP_IND), X, M, X },
	},
	[GR_0F00] = {				/* /6 lkgs: f2 only */
		{ M, M, M, M, M, M, M | SP, X },
		{ M, M, M, M, M, M, M | SP, X },
	},
	[GR_0F18] = {
		{ M, M, M, M, M | NOPK, M | NOPK, M | NOPK, M | NOPK },
		{ M | NOPK, M | NOPK, M | NOPK, M | NOPK,
		  M | NOPK, M | NOPK, M | NOPK, M | NOPK },
	},
	[GR_0F0D] = { GM(M), GM(M | NOPK) },
};

/*
 * ModRM byte -> bytes of displacement (bits 0-2), SIB follows (MR_SIB),
 * RIP-relative (MR_RIP), memory operand (MR_MEM). In 64-bit mode (and with
 * 67, 32-bit addressing) the layout is the same: mod 00 rm 101 is
 * [rip + disp32], rm 100 means a SIB byte, mod 01 adds disp8, mod 10
 * disp32, mod 11 is a register. A SIB with base 101 under mod 00 adds a
 * disp32 (handled in the decoder).
 */
#define MR_SIB	0x08
#define MR_RIP	0x10
#define MR_MEM	0x20
#define MRD0	MR_MEM
#define MRD1	(MR_MEM | 1)
#define MRD4	(MR_MEM | 4)
#define MR0	MRD0, MRD0, MRD0, MRD0, MRD0 | MR_SIB, MRD4 | MR_RIP, MRD0, MRD0
#define MR1	MRD1, MRD1, MRD1, MRD1, MRD1 | MR_SIB, MRD1, MRD1, MRD1
#define MR2	MRD4, MRD4, MRD4, MRD4, MRD4 | MR_SIB, MRD4, MRD4, MRD4
#define MR3	0, 0, 0, 0, 0, 0, 0, 0
#define ROW8(r)	r, r, r, r, r, r, r, r
static const u8 ng_modrm[256] = {
	ROW8(MR0), ROW8(MR1), ROW8(MR2), ROW8(MR3),
};

/* ModRM byte -> its own, SIB and displacement bytes (SIB base 101 aside) */
#define ML0	1, 1, 1, 1, 2, 5, 1, 1
#define ML1	2, 2, 2, 2, 3, 2, 2, 2
#define ML2	5, 5, 5, 5, 6, 5, 5, 5
#define ML3	1, 1, 1, 1, 1, 1, 1, 1
static const u8 ng_modrm_len[256] = {
	ROW8(ML0), ROW8(ML1), ROW8(ML2), ROW8(ML3),
};

/*
 * Immediate bytes by type and size state: bit 0 = 66 prefix, bit 1 =
 * REX.W, bit 2 = 67 prefix.
 */
static const u8 ng_immlen[8][8] = {
	[T_NONE]  = { 0, 0, 0, 0, 0, 0, 0, 0 },
	[T_B]     = { 1, 1, 1, 1, 1, 1, 1, 1 },
	[T_W]     = { 2, 2, 2, 2, 2, 2, 2, 2 },
	[T_Z]     = { 4, 2, 4, 4, 4, 2, 4, 4 },
	[T_V]     = { 4, 2, 8, 8, 4, 2, 8, 8 },
	[T_D]     = { 4, 4, 4, 4, 4, 4, 4, 4 },
	[T_ENTER] = { 3, 3, 3, 3, 3, 3, 3, 3 },
	[T_MOFFS] = { 8, 8, 8, 8, 4, 4, 4, 4 },
};

/*
 * Opcodes whose length, kind or validity depends on the mandatory prefix
 * (mp: the last of f2/f3, else 66, else 0) or on REX.
 */
static int ng_insn_spec(u32 *ap, unsigned int map, unsigned int op,
			unsigned int modrm, unsigned int mp, unsigned int rex)
{
	unsigned int mod = modrm >> 6, reg = (modrm >> 3) & 7;
	u32 a = *ap & ~(u32)A_SPEC;

	if (map == 0) {
		/* 90: nop, but xchg r8,rax with REX.B and pause with f3. */
		if (op == 0x90 && !(rex & 1) && mp != 0xf3)
			a |= NOPK;
		goto out;
	}
	switch (op) {
	case 0x00:		/* 0f 00 /6: lkgs r/m16, f2 only */
		if (mp != 0xf2)
			return -EINVAL;
		break;
	case 0x1a:		/* MPX bndldx/bndcl/bndcu/bndmov; else nop */
	case 0x1b:		/* MPX bndstx/bndmk/bndcn/bndmov; else nop */
		if (mod == 3 && (mp == 0 || (op == 0x1b && mp == 0xf3)))
			a |= NOPK;
		break;
	case 0x1c:		/* 0f 1c /0 mem: cldemote; else hint nop */
		if (!(mod != 3 && reg == 0 && mp == 0))
			a |= NOPK;
		break;
	case 0x1e:		/* f3: endbr64/32, rdssp; else hint nop */
		if (mp == 0xf3 && (modrm == 0xfa || modrm == 0xfb))
			a |= K(NG_K_ENDBR);
		else if (!(mp == 0xf3 && mod == 3 && reg == 1))
			a |= NOPK;
		break;
	case 0x78:		/* vmread; 66 extrq ib,ib; f2 insertq ib,ib */
		if (mp == 0xf3)
			return -EINVAL;
		if (mp == 0x66 || mp == 0xf2)
			a |= I_W;
		break;
	case 0x79:		/* vmwrite; 66: extrq; f2: insertq */
		if (mp == 0xf3)
			return -EINVAL;
		break;
	case 0xb8:		/* f3 popcnt; jmpe does not exist in 64-bit */
		if (mp != 0xf3)
			return -EINVAL;
		break;
	}
out:
	*ap = a;
	return 0;
}

static inline int ng_trunc(size_t need)
{
	return need >= NG_INSN_MAX ? -EINVAL : -ENODATA;
}

/* Byte index n must be inside the window (lim: min(len, 15)). */
#define NEED(n)	do {						\
		if (!fast && unlikely((size_t)(n) >= lim))	\
			return ng_trunc(n);			\
	} while (0)

#define PF_OPSIZE	((u32)NG_IF_OPSIZE << A_FSHIFT)
#define PF_ADSIZE	((u32)NG_IF_ADSIZE << A_FSHIFT)
#define PF_NOVEX	((u32)(NG_IF_OPSIZE | NG_IF_REP | NG_IF_REPNE | \
			       NG_IF_LOCK) << A_FSHIFT)

/* What the prefix and opcode stages found. */
struct ng_head {
	u32 a;			/* attribute word of the opcode */
	u32 pf;			/* OR of the prefixes' attribute words */
	u16 xf;			/* NG_IF_VEX / EVEX / XOP */
	u8 op, map, rex, rep;	/* rep: last of f2/f3, 0 if none */
	u8 opc;			/* offset of the opcode byte */
};

/*
 * ModRM, SIB, displacement, group and prefix fix-ups, immediate; fills
 * *insn when full. fast: len >= NG_FAST_LEN, so no index below can be out
 * of the buffer (lim is 15 then).
 */
static __always_inline int ng_tail(struct ng_insn *insn, const u8 *buf,
				   size_t lim, const bool full, const bool fast,
				   struct ng_head h)
{
	size_t i = h.opc + 1, disp_off = 0, dl = 0, il, n;
	unsigned int modrm = 0, sib = 0, mr = 0, sz;
	u32 a = h.a;

	if (a & A_MODRM) {
		NEED(i);
		modrm = buf[i++];
		if (likely(!(a & A_REGONLY)))
			mr = ng_modrm[modrm];
		if (mr & MR_SIB) {
			NEED(i);
			sib = buf[i++];
			if ((sib & 7) == 5 && modrm < 0x40)
				mr |= 4;
		}
		disp_off = i;
		dl = mr & 7;
		i += dl;
		if (unlikely(a & (0xfu << A_GSHIFT))) {
			a = ng_grp[(a >> A_GSHIFT) & 0xf][modrm >= 0xc0]
				  [(modrm >> 3) & 7];
			if (a & A_BAD)
				return -EINVAL;
		}
	}
	if (unlikely(a & A_SPEC)) {
		if (ng_insn_spec(&a, h.map, h.op, modrm,
				 h.rep ? h.rep : (h.pf & PF_OPSIZE) ? 0x66 : 0,
				 h.rex))
			return -EINVAL;
	}

	/* 66 and 67 change some immediates, REX.W only b8+r's */
	il = (a >> A_LSHIFT) & 0xf;
	if (unlikely((h.pf & (PF_OPSIZE | PF_ADSIZE)) |
		     ((h.rex & 8) & (((a & I_MASK) == T_V) << 3)))) {
		sz = (h.pf & PF_OPSIZE ? 1 : 0) | (h.rex & 8) >> 2 |
		     (h.pf & PF_ADSIZE ? 4 : 0);
		il = ng_immlen[a & I_MASK][sz];
	}
	n = i + il;
	if (unlikely(n > lim))
		return n > NG_INSN_MAX ? -EINVAL : -ENODATA;

	if (full) {
		u16 f = (u16)((h.pf >> A_FSHIFT) & 0x1fff) | h.xf;

		insn->len = n;
		insn->kind = (a >> A_KSHIFT) & 0xf;
		insn->map = h.map;
		insn->opcode = h.op;
		insn->opc_off = h.opc;
		insn->rex = h.rex;
		insn->modrm = modrm;
		insn->sib = sib;
		insn->disp_off = 0;
		insn->disp_len = 0;
		insn->disp = 0;
		insn->imm_off = 0;
		insn->imm_len = 0;
		insn->imm = 0;
		if (a & A_MODRM) {
			f |= NG_IF_MODRM;
			if (mr & MR_SIB)
				f |= NG_IF_SIB;
			if (mr & MR_MEM)
				f |= NG_IF_MEM;
			if (mr & MR_RIP)
				f |= NG_IF_RIPREL;
			if (dl) {
				const u8 *p = buf + disp_off;

				insn->disp_off = disp_off;
				insn->disp_len = dl;
				insn->disp = dl == 1 ? (s64)(s8)p[0] :
					     (s64)(s32)ng_le32(p);
			}
		}
		if (il) {
			const u8 *p = buf + i;

			if ((a & I_MASK) == T_MOFFS) {
				f |= NG_IF_MOFFS;
				insn->disp_off = i;
				insn->disp_len = il;
				insn->disp = il == 8 ? (s64)ng_le64(p) :
					     (s64)ng_le32(p);
			} else {
				insn->imm_off = i;
				insn->imm_len = il;
				switch (il) {
				case 1:
					insn->imm = (s8)p[0];
					break;
				case 2:
					/* extrq/insertq: two ib, the first */
					insn->imm = h.map == 1 ? (s64)(s8)p[0] :
						    (s64)(s16)ng_le16(p);
					break;
				case 3:
					insn->imm = (s16)ng_le16(p);
					break;
				case 4:
					insn->imm = (s32)ng_le32(p);
					break;
				default:
					insn->imm = (s64)ng_le64(p);
					break;
				}
			}
		}
		if (a & A_REL)
			f |= NG_IF_REL;
		insn->flags = f;
	}
	return n;
}

/* The general case: any prefixes, any escape, any buffer length. */
static __always_inline int ng_decode_any(struct ng_insn *insn, const u8 *buf,
					 size_t len, const bool full,
					 const bool fast)
{
	const size_t lim = fast ? NG_INSN_MAX :
			   len < NG_INSN_MAX ? len : NG_INSN_MAX;
	struct ng_head h = { 0 };
	size_t i = 0, opc;
	unsigned int op, map = 0;
	u32 a;

	/* Prefixes: any number, REX counts only right before the opcode */
	for (;;) {
		if (unlikely(i >= lim))
			return ng_trunc(i);
		op = buf[i];
		a = ng_map0[op];
		if (likely(!(a & A_PFX)))
			break;
		if (a & A_REX) {
			h.rex = op;
		} else {
			h.rex = 0;
			h.pf |= a;
			if (op >= 0xf2)
				h.rep = op;
		}
		i++;
	}
	opc = i;

	if (unlikely(a & (A_ESC | A_BAD))) {
		if (a & A_BAD)
			return -EINVAL;
		if (op == 0x0f) {
			NEED(i + 1);
			op = buf[i + 1];
			a = ng_map1[op];
			map = 1;
			opc = i + 1;
			if (unlikely(a & A_ESC)) {
				NEED(i + 2);
				map = op == 0x38 ? 2 : 3;
				op = buf[i + 2];
				a = (map == 2 ? ng_map2 : ng_map3)[op];
				opc = i + 2;
			}
		} else if (op == 0x8f) {
			/* pop r/m (8f /0) or XOP (map_select >= 8) */
			NEED(i + 1);
			if ((buf[i + 1] & 0x1f) < 8) {
				a = M | G(GR_POP);
			} else {
				if ((h.pf & PF_NOVEX) || h.rex)
					return -EINVAL;
				NEED(i + 3);
				map = buf[i + 1] & 0x1f;
				if (map == 8)
					a = MAP_MB;
				else if (map == 9)
					a = MAP_M;
				else if (map == 10)
					a = MAP_MD;
				else
					return -EINVAL;
				op = buf[i + 3];
				opc = i + 3;
				h.xf = NG_IF_XOP;
			}
		} else {
			/* c5 VEX2, c4 VEX3, 62 EVEX: no LDS/LES/BOUND here */
			if ((h.pf & PF_NOVEX) || h.rex)
				return -EINVAL;
			if (op == 0xc5) {
				NEED(i + 2);
				map = 1;
				opc = i + 2;
				h.xf = NG_IF_VEX;
			} else if (op == 0xc4) {
				NEED(i + 3);
				map = buf[i + 1] & 0x1f;
				opc = i + 3;
				h.xf = NG_IF_VEX;
			} else {
				unsigned int p0, p1;

				NEED(i + 4);
				p0 = buf[i + 1];
				p1 = buf[i + 2];
				if ((p0 & 0x08) || !(p1 & 0x04))
					return -EINVAL;
				map = p0 & 0x07;
				opc = i + 4;
				h.xf = NG_IF_EVEX;
			}
			op = buf[opc];
			switch (map) {
			case 1:
				a = ng_vex1[op];
				if (op == 0x77 && h.xf == NG_IF_EVEX)
					return -EINVAL;
				break;
			case 2:
				a = MAP_M;
				break;
			case 3:
				a = MAP_MB;
				break;
			case 5:
			case 6:
				if (h.xf == NG_IF_EVEX) {
					a = MAP_M;
					break;
				}
				return -EINVAL;
			default:
				return -EINVAL;
			}
		}
		if (a & A_BAD)
			return -EINVAL;
	}
	h.a = a;
	h.op = op;
	h.map = map;
	h.opc = opc;
	return ng_tail(insn, buf, lim, full, fast, h);
}

/*
 * With at least NG_FAST_LEN bytes readable, no index the decoder can touch
 * (at most 14 prefixes, 4 escape bytes, ModRM, SIB) is out of the buffer:
 * the checks go, and anything past 15 bytes still ends as -EINVAL through
 * the final length check.
 */
#define NG_FAST_LEN	24

/* Attribute bits that the fast paths leave to the general decoder. */
#define A_SLOW	(A_PFX | A_ESC | A_BAD | A_SPEC | A_REGONLY)

static noinline int ng_len_slow(const u8 *buf, size_t len)
{
	if (len >= NG_FAST_LEN)
		return ng_decode_any(NULL, buf, len, false, true);
	return ng_decode_any(NULL, buf, len, false, false);
}

static noinline int ng_decode_slow(struct ng_insn *insn, const u8 *buf,
				   size_t len)
{
	if (len >= NG_FAST_LEN)
		return ng_decode_any(insn, buf, len, true, true);
	return ng_decode_any(insn, buf, len, true, false);
}

/*
 * ng_insn_decode()'s fast path builds the first 14 bytes of struct ng_insn
 * as two 64-bit words (far fewer instructions than one store per field).
 * The layout it assumes:
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NG_PACKED_STORE	1
_Static_assert(offsetof(struct ng_insn, len) == 0 &&
	       offsetof(struct ng_insn, kind) == 1 &&
	       offsetof(struct ng_insn, flags) == 2 &&
	       offsetof(struct ng_insn, map) == 4 &&
	       offsetof(struct ng_insn, opcode) == 5 &&
	       offsetof(struct ng_insn, opc_off) == 6 &&
	       offsetof(struct ng_insn, rex) == 7 &&
	       offsetof(struct ng_insn, modrm) == 8 &&
	       offsetof(struct ng_insn, sib) == 9 &&
	       offsetof(struct ng_insn, disp_off) == 10 &&
	       offsetof(struct ng_insn, disp_len) == 11 &&
	       offsetof(struct ng_insn, imm_off) == 12 &&
	       offsetof(struct ng_insn, imm_len) == 13 &&
	       offsetof(struct ng_insn, disp) == 16 &&
	       offsetof(struct ng_insn, imm) == 24,
	       "struct ng_insn layout");
#else
#define NG_PACKED_STORE	0
#endif

/*
 * NG_IF_* flags by ng_modrm[] >> 3 (MR_SIB, MR_RIP, MR_MEM, and MR_NONE for
 * no ModRM at all).
 */
#define MR_NONE	0x40
static const u16 ng_modrm_flags[16] = {
	[0]				= NG_IF_MODRM,
	[MR_SIB >> 3]			= NG_IF_MODRM | NG_IF_SIB,
	[MR_MEM >> 3]			= NG_IF_MODRM | NG_IF_MEM,
	[(MR_MEM | MR_SIB) >> 3]	= NG_IF_MODRM | NG_IF_MEM | NG_IF_SIB,
	[(MR_MEM | MR_RIP) >> 3]	= NG_IF_MODRM | NG_IF_MEM |
					  NG_IF_RIPREL,
	[MR_NONE >> 3]			= 0,
};
_Static_assert(A_REL == NG_IF_REL, "A_REL doubles as NG_IF_REL");

/* Shift that sign-extends an n-byte field in a u64 (3: enter's iw) */
static const u8 ng_sext[9] = { 0, 56, 48, 48, 32, 0, 0, 0, 0 };

static inline s64 ng_field(const u8 *p, unsigned int n)
{
	u64 x;

	memcpy(&x, p, 8);
	return n ? (s64)(x << ng_sext[n]) >> ng_sext[n] : 0;
}

/*
 * The common case (at most a REX, 1-byte or 0f map, no prefix-dependent
 * opcode, no moffs, NG_FAST_LEN bytes readable) skips the prefix loop and
 * the bounds checks and fills the fields without branches (disp and imm
 * are read as 8 bytes and sign-extended by shifts: at most buf[i + 7] with
 * i <= 13, inside the 24 bytes); everything else takes the general path.
 */
int ng_insn_decode(struct ng_insn *insn, const u8 *buf, size_t len)
{
	unsigned int i = 0, rex = 0, map = 0, op, opc, modrm = 0, sib = 0;
	unsigned int mr = MR_NONE, dl, doff = 0, il, n, f;
	u32 a;

	if (unlikely(len < NG_FAST_LEN) || !NG_PACKED_STORE)
		return ng_decode_slow(insn, buf, len);
	a = ng_map0[buf[0]];
	if (a & A_PFX) {
		if (!(a & A_REX))
			return ng_decode_slow(insn, buf, len);
		rex = buf[0];
		i = 1;
		a = ng_map0[buf[1]];
	}
	if (unlikely(a & (A_SLOW | A_DSLOW))) {
		if (buf[i] != 0x0f)
			return ng_decode_slow(insn, buf, len);
		i++;
		map = 1;
		a = ng_map1[buf[i]];
		if (a & (A_SLOW | A_DSLOW))
			return ng_decode_slow(insn, buf, len);
	}
	op = buf[i];
	opc = i++;
	if (a & A_MODRM) {
		modrm = buf[i++];
		mr = ng_modrm[modrm];
		if (mr & MR_SIB) {
			sib = buf[i++];
			if ((sib & 7) == 5 && modrm < 0x40)
				mr |= 4;
		}
		doff = i;
		i += mr & 7;
		if (unlikely(a & (0xfu << A_GSHIFT))) {
			a = ng_grp[(a >> A_GSHIFT) & 0xf][modrm >= 0xc0]
				  [(modrm >> 3) & 7];
			if (a & (A_BAD | A_SPEC))
				return ng_decode_slow(insn, buf, len);
		}
	}
	il = (a >> A_LSHIFT) & 0xf;
	if (unlikely((rex & 8) && (a & I_MASK) == T_V))
		il = 8;
	n = i + il;
	dl = mr & 7;
	f = ng_modrm_flags[mr >> 3] | (a & A_REL);
	{
		u64 w0 = n | (a & (0xfu << A_KSHIFT)) | f << 16 |
			 (u64)map << 32 | (u64)op << 40 | (u64)opc << 48 |
			 (u64)rex << 56;
		u64 w1 = modrm | sib << 8 | (dl ? doff : 0) << 16 | dl << 24 |
			 (u64)(il ? i : 0) << 32 | (u64)il << 40;

		memcpy(insn, &w0, 8);
		memcpy((u8 *)insn + 8, &w1, 8);
		insn->disp = ng_field(buf + doff, dl);
		insn->imm = ng_field(buf + i, il);
	}
	return n;
}

/*
 * Length only. A linear sweep is one long dependency chain (each length
 * gives the next address), so the common case (at most a REX, 1-byte or 0f
 * map, no prefix-dependent opcode) is a small leaf function whose chain is
 * two table loads; everything else goes through the general decoder.
 */
int ng_insn_len(const u8 *buf, size_t len)
{
	size_t i = 0;
	unsigned int rex = 0;
	u32 a;

	if (unlikely(len < NG_FAST_LEN))
		return ng_len_slow(buf, len);
	a = ng_map0[buf[0]];
	if (a & A_PFX) {
		if (!(a & A_REX))
			return ng_len_slow(buf, len);
		rex = buf[0];
		i = 1;
		a = ng_map0[buf[1]];
	}
	if (unlikely(a & A_SLOW)) {
		if (buf[i] != 0x0f)
			return ng_len_slow(buf, len);
		i++;
		a = ng_map1[buf[i]];
		if (a & A_SLOW)
			return ng_len_slow(buf, len);
	}
	i++;
	if (a & A_MODRM) {
		unsigned int modrm = buf[i];

		i += ng_modrm_len[modrm];
		if (unlikely((modrm & 0xc7) == 0x04) && (buf[i - 1] & 7) == 5)
			i += 4;
		if (unlikely(a & (0xfu << A_GSHIFT))) {
			a = ng_grp[(a >> A_GSHIFT) & 0xf][modrm >= 0xc0]
				  [(modrm >> 3) & 7];
			if (a & (A_BAD | A_SPEC))
				return ng_len_slow(buf, len);
		}
	}
	if (unlikely((rex & 8) && (a & I_MASK) == T_V))
		return i + 8;
	return i + ((a >> A_LSHIFT) & 0xf);
}
