// SPDX-License-Identifier: GPL-2.0
/*
 * test_insn.c - CUnit tests for the x86-64 decoder (kmod/core/insn.c).
 *
 *  - hand-picked encodings with every field we fill (length, kind, flags,
 *    map, opcode, displacement, immediate), including the kernel-specific
 *    ones (SEV-SNP, shadow stack, LKGS, TDX, VMX/SVM, AVX-512, ...);
 *  - every cut of every vector gives -ENODATA;
 *  - invalid encodings and over-long prefix runs give -EINVAL;
 *  - 2,000,000 random buffers of random length 0..20, each a heap block of
 *    exactly that length (the AddressSanitizer build catches any read past
 *    it): ng_insn_len() == ng_insn_decode(), the result is <= the length,
 *    and a decoded instruction decodes alike from a buffer of exactly its
 *    length and gives -ENODATA one byte shorter.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>

#include "insn.h"
#include "ut.h"

#define MR	NG_IF_MODRM
#define SB	NG_IF_SIB
#define RIP	NG_IF_RIPREL
#define REL	NG_IF_REL
#define VEX	NG_IF_VEX
#define EVX	NG_IF_EVEX
#define XOP	NG_IF_XOP
#define LCK	NG_IF_LOCK
#define REP	NG_IF_REP
#define RPN	NG_IF_REPNE
#define OSZ	NG_IF_OPSIZE
#define ASZ	NG_IF_ADSIZE
#define SEG	NG_IF_SEG
#define MOF	NG_IF_MOFFS
#define MEM	NG_IF_MEM

#define OTH	NG_K_OTHER
#define CALL	NG_K_CALL_REL
#define JMP	NG_K_JMP_REL
#define JCC	NG_K_JCC_REL
#define CALLI	NG_K_CALL_IND
#define JMPI	NG_K_JMP_IND
#define RET	NG_K_RET
#define INT3	NG_K_INT3
#define UD	NG_K_UD
#define HLT	NG_K_HLT
#define NOP	NG_K_NOP
#define ENDBR	NG_K_ENDBR
#define INT	NG_K_INT

struct vec {
	const char *what;
	const u8 *b;
	size_t n;
	int len;
	u8 kind;
	u16 flags;
	u8 map, op;
	u8 doff, dlen;
	s64 disp;
	u8 ioff, ilen;
	s64 imm;
};

#define BYTES(...)	(const u8[]){ __VA_ARGS__ }, \
			sizeof((const u8[]){ __VA_ARGS__ })
/* V(what, len, kind, flags, map, opcode, disp_off, disp_len, disp,
 *   imm_off, imm_len, imm, bytes...) */
#define V(w, l, k, f, m, o, doff, dlen, d, ioff, ilen, i, ...)		\
	{ w, BYTES(__VA_ARGS__), l, k, f, m, o, doff, dlen, d, ioff, ilen, i }

static const struct vec vecs[] = {
	/* nops and padding */
	V("nop", 1, NOP, 0, 0, 0x90, 0, 0, 0, 0, 0, 0, 0x90),
	V("rex.w nop", 2, NOP, 0, 0, 0x90, 0, 0, 0, 0, 0, 0, 0x48, 0x90),
	V("xchg r8,rax", 2, OTH, 0, 0, 0x90, 0, 0, 0, 0, 0, 0, 0x41, 0x90),
	V("pause", 2, OTH, REP, 0, 0x90, 0, 0, 0, 0, 0, 0, 0xf3, 0x90),
	V("66 nop", 2, NOP, OSZ, 0, 0x90, 0, 0, 0, 0, 0, 0, 0x66, 0x90),
	V("66 66 nop", 3, NOP, OSZ, 0, 0x90, 0, 0, 0, 0, 0, 0,
	  0x66, 0x66, 0x90),
	V("nopl (rax)", 3, NOP, MR | MEM, 1, 0x1f, 0, 0, 0, 0, 0, 0,
	  0x0f, 0x1f, 0x00),
	V("nopl 0(rax)", 4, NOP, MR | MEM, 1, 0x1f, 3, 1, 0, 0, 0, 0,
	  0x0f, 0x1f, 0x40, 0x00),
	V("nopl 0(rax,rax)", 5, NOP, MR | SB | MEM, 1, 0x1f, 4, 1, 0, 0, 0, 0,
	  0x0f, 0x1f, 0x44, 0x00, 0x00),
	V("nopw 0(rax,rax)", 6, NOP, MR | SB | MEM | OSZ, 1, 0x1f, 5, 1, 0,
	  0, 0, 0, 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00),
	V("nopl 0L(rax)", 7, NOP, MR | MEM, 1, 0x1f, 3, 4, 0, 0, 0, 0,
	  0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00),
	V("nopl 0L(rax,rax)", 8, NOP, MR | SB | MEM, 1, 0x1f, 4, 4, 0,
	  0, 0, 0, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00),
	V("nopw cs:0L(rax,rax)", 10, NOP, MR | SB | MEM | OSZ | SEG, 1, 0x1f,
	  6, 4, 0, 0, 0, 0,
	  0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00),
	V("hint nop 0f 19", 3, NOP, MR, 1, 0x19, 0, 0, 0, 0, 0, 0,
	  0x0f, 0x19, 0xc0),
	V("prefetcht0", 3, OTH, MR | MEM, 1, 0x18, 0, 0, 0, 0, 0, 0,
	  0x0f, 0x18, 0x08),
	V("prefetchw", 3, OTH, MR | MEM, 1, 0x0d, 0, 0, 0, 0, 0, 0,
	  0x0f, 0x0d, 0x08),
	V("endbr64", 4, ENDBR, MR | REP, 1, 0x1e, 0, 0, 0, 0, 0, 0,
	  0xf3, 0x0f, 0x1e, 0xfa),
	V("endbr32", 4, ENDBR, MR | REP, 1, 0x1e, 0, 0, 0, 0, 0, 0,
	  0xf3, 0x0f, 0x1e, 0xfb),
	V("0f 1e fa without f3", 3, NOP, MR, 1, 0x1e, 0, 0, 0, 0, 0, 0,
	  0x0f, 0x1e, 0xfa),
	V("rdsspq", 5, OTH, MR | REP, 1, 0x1e, 0, 0, 0, 0, 0, 0,
	  0xf3, 0x48, 0x0f, 0x1e, 0xc8),

	/* relative branches */
	V("call rel32", 5, CALL, REL, 0, 0xe8, 0, 0, 0, 1, 4, 0x10,
	  0xe8, 0x10, 0x00, 0x00, 0x00),
	V("jmp rel32", 5, JMP, REL, 0, 0xe9, 0, 0, 0, 1, 4, -5,
	  0xe9, 0xfb, 0xff, 0xff, 0xff),
	V("jmp rel8", 2, JMP, REL, 0, 0xeb, 0, 0, 0, 1, 1, -2, 0xeb, 0xfe),
	V("je rel8", 2, JCC, REL, 0, 0x74, 0, 0, 0, 1, 1, 5, 0x74, 0x05),
	V("je rel32", 6, JCC, REL, 1, 0x84, 0, 0, 0, 2, 4, 0x100,
	  0x0f, 0x84, 0x00, 0x01, 0x00, 0x00),
	V("jrcxz", 2, JCC, REL, 0, 0xe3, 0, 0, 0, 1, 1, 0x10, 0xe3, 0x10),
	V("loop", 2, JCC, REL, 0, 0xe2, 0, 0, 0, 1, 1, -16, 0xe2, 0xf0),
	V("66 call (intel: rel32)", 6, CALL, REL | OSZ, 0, 0xe8, 0, 0, 0,
	  2, 4, 0, 0x66, 0xe8, 0x00, 0x00, 0x00, 0x00),
	V("66 jne rel32", 7, JCC, REL | OSZ, 1, 0x85, 0, 0, 0, 3, 4, -1,
	  0x66, 0x0f, 0x85, 0xff, 0xff, 0xff, 0xff),
	V("xbegin", 6, JCC, MR | REL, 0, 0xc7, 0, 0, 0, 2, 4, 0x20,
	  0xc7, 0xf8, 0x20, 0x00, 0x00, 0x00),
	V("xabort", 3, OTH, MR, 0, 0xc6, 0, 0, 0, 2, 1, 1, 0xc6, 0xf8, 0x01),

	/* indirect branches */
	V("call rax", 2, CALLI, MR, 0, 0xff, 0, 0, 0, 0, 0, 0, 0xff, 0xd0),
	V("call *rip", 6, CALLI, MR | MEM | RIP, 0, 0xff, 2, 4, 0x10, 0, 0, 0,
	  0xff, 0x15, 0x10, 0x00, 0x00, 0x00),
	V("call r11", 3, CALLI, MR, 0, 0xff, 0, 0, 0, 0, 0, 0,
	  0x41, 0xff, 0xd3),
	V("jmp rax", 2, JMPI, MR, 0, 0xff, 0, 0, 0, 0, 0, 0, 0xff, 0xe0),
	V("jmp *rip", 6, JMPI, MR | MEM | RIP, 0, 0xff, 2, 4, 0, 0, 0, 0,
	  0xff, 0x25, 0x00, 0x00, 0x00, 0x00),
	V("notrack jmp rax", 3, JMPI, MR | SEG, 0, 0xff, 0, 0, 0, 0, 0, 0,
	  0x3e, 0xff, 0xe0),
	V("jmp *(rax,rcx,8)", 3, JMPI, MR | SB | MEM, 0, 0xff, 0, 0, 0,
	  0, 0, 0, 0xff, 0x24, 0xc8),
	V("lcall *(rsp)", 3, CALLI, MR | SB | MEM, 0, 0xff, 0, 0, 0, 0, 0, 0,
	  0xff, 0x1c, 0x24),
	V("ljmp *(rsp)", 3, JMPI, MR | SB | MEM, 0, 0xff, 0, 0, 0, 0, 0, 0,
	  0xff, 0x2c, 0x24),
	V("push rax (ff /6)", 2, OTH, MR, 0, 0xff, 0, 0, 0, 0, 0, 0,
	  0xff, 0xf0),

	/* returns, traps */
	V("ret", 1, RET, 0, 0, 0xc3, 0, 0, 0, 0, 0, 0, 0xc3),
	V("ret imm16", 3, RET, 0, 0, 0xc2, 0, 0, 0, 1, 2, 8, 0xc2, 0x08, 0x00),
	V("lret", 1, RET, 0, 0, 0xcb, 0, 0, 0, 0, 0, 0, 0xcb),
	V("lret imm16", 3, RET, 0, 0, 0xca, 0, 0, 0, 1, 2, 4, 0xca, 0x04, 0x00),
	V("iretq", 2, RET, 0, 0, 0xcf, 0, 0, 0, 0, 0, 0, 0x48, 0xcf),
	V("sysretq", 3, RET, 0, 1, 0x07, 0, 0, 0, 0, 0, 0, 0x48, 0x0f, 0x07),
	V("sysexit", 2, RET, 0, 1, 0x35, 0, 0, 0, 0, 0, 0, 0x0f, 0x35),
	V("int3", 1, INT3, 0, 0, 0xcc, 0, 0, 0, 0, 0, 0, 0xcc),
	V("int 0x80", 2, INT, 0, 0, 0xcd, 0, 0, 0, 1, 1, -128, 0xcd, 0x80),
	V("int1", 1, INT, 0, 0, 0xf1, 0, 0, 0, 0, 0, 0, 0xf1),
	V("hlt", 1, HLT, 0, 0, 0xf4, 0, 0, 0, 0, 0, 0, 0xf4),
	V("ud2", 2, UD, 0, 1, 0x0b, 0, 0, 0, 0, 0, 0, 0x0f, 0x0b),
	V("ud1", 3, UD, MR, 1, 0xb9, 0, 0, 0, 0, 0, 0, 0x0f, 0xb9, 0xc0),
	V("ud1 rdi,(edx)", 5, UD, MR | MEM | ASZ, 1, 0xb9, 0, 0, 0, 0, 0, 0,
	  0x67, 0x48, 0x0f, 0xb9, 0x3a),
	V("ud0", 3, UD, MR, 1, 0xff, 0, 0, 0, 0, 0, 0, 0x0f, 0xff, 0xc0),
	V("syscall", 2, OTH, 0, 1, 0x05, 0, 0, 0, 0, 0, 0, 0x0f, 0x05),

	/* ModRM / SIB / displacement forms */
	V("mov rax,[rip+d32]", 7, OTH, MR | MEM | RIP, 0, 0x8b, 3, 4,
	  0x12345678, 0, 0, 0, 0x48, 0x8b, 0x05, 0x78, 0x56, 0x34, 0x12),
	V("mov eax,[d32] (sib)", 7, OTH, MR | SB | MEM, 0, 0x8b, 3, 4, 0x1000,
	  0, 0, 0, 0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00),
	V("mov eax,[rsp+8]", 4, OTH, MR | SB | MEM, 0, 0x8b, 3, 1, 8, 0, 0, 0,
	  0x8b, 0x44, 0x24, 0x08),
	V("mov eax,[rsp]", 3, OTH, MR | SB | MEM, 0, 0x8b, 0, 0, 0, 0, 0, 0,
	  0x8b, 0x04, 0x24),
	V("mov eax,[rbp+0]", 3, OTH, MR | MEM, 0, 0x8b, 2, 1, 0, 0, 0, 0,
	  0x8b, 0x45, 0x00),
	V("mov eax,[r13-8]", 4, OTH, MR | MEM, 0, 0x8b, 3, 1, -8, 0, 0, 0,
	  0x41, 0x8b, 0x45, 0xf8),
	V("mov eax,[r12*8+d32]", 8, OTH, MR | SB | MEM, 0, 0x8b, 4, 4, -16,
	  0, 0, 0, 0x42, 0x8b, 0x04, 0xe5, 0xf0, 0xff, 0xff, 0xff),
	V("mov eax,[r13] (sib, base 101 mod 01)", 5, OTH, MR | SB | MEM, 0,
	  0x8b, 4, 1, 0, 0, 0, 0, 0x41, 0x8b, 0x44, 0x25, 0x00),
	V("mov eax,[rsp+d32]", 7, OTH, MR | SB | MEM, 0, 0x8b, 3, 4, 0x100,
	  0, 0, 0, 0x8b, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00),
	V("mov eax,[eip+0]", 7, OTH, MR | MEM | RIP | ASZ, 0, 0x8b, 3, 4, 0,
	  0, 0, 0, 0x67, 0x8b, 0x05, 0x00, 0x00, 0x00, 0x00),
	V("mov rax,gs:[0x28]", 9, OTH, MR | SB | MEM | SEG, 0, 0x8b, 5, 4, 0x28,
	  0, 0, 0, 0x65, 0x48, 0x8b, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00),
	V("lea rax,[rip]", 7, OTH, MR | MEM | RIP, 0, 0x8d, 3, 4, 0, 0, 0, 0,
	  0x48, 0x8d, 0x05, 0x00, 0x00, 0x00, 0x00),
	V("movsxd rax,edi", 3, OTH, MR, 0, 0x63, 0, 0, 0, 0, 0, 0,
	  0x48, 0x63, 0xc7),
	V("lock cmpxchg", 5, OTH, MR | MEM | LCK, 1, 0xb1, 0, 0, 0, 0, 0, 0,
	  0xf0, 0x48, 0x0f, 0xb1, 0x0f),
	V("rex before 66 is ignored", 3, NOP, OSZ, 0, 0x90, 0, 0, 0, 0, 0, 0,
	  0x41, 0x66, 0x90),

	/* moffs */
	V("mov rax,[moffs64]", 10, OTH, MOF, 0, 0xa1, 2, 8,
	  0x1122334455667788LL, 0, 0, 0,
	  0x48, 0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	V("mov eax,[moffs32] (67)", 6, OTH, MOF | ASZ, 0, 0xa1, 2, 4,
	  0x12345678, 0, 0, 0, 0x67, 0xa1, 0x78, 0x56, 0x34, 0x12),
	V("mov [moffs64],al", 9, OTH, MOF, 0, 0xa2, 1, 8, 0x1000, 0, 0, 0,
	  0xa2, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00),

	/* immediates by operand size */
	V("movabs rax,imm64", 10, OTH, 0, 0, 0xb8, 0, 0, 0, 2, 8,
	  0x1122334455667788LL,
	  0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	V("mov eax,imm32", 5, OTH, 0, 0, 0xb8, 0, 0, 0, 1, 4, 1,
	  0xb8, 0x01, 0x00, 0x00, 0x00),
	V("mov ax,imm16", 4, OTH, OSZ, 0, 0xb8, 0, 0, 0, 2, 2, 0x1234,
	  0x66, 0xb8, 0x34, 0x12),
	V("66 rex.w mov imm64", 11, OTH, OSZ, 0, 0xbb, 0, 0, 0, 3, 8, -1,
	  0x66, 0x48, 0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
	V("mov cl,imm8", 2, OTH, 0, 0, 0xb1, 0, 0, 0, 1, 1, 7, 0xb1, 0x07),
	V("mov rax,-1 (c7)", 7, OTH, MR, 0, 0xc7, 0, 0, 0, 3, 4, -1,
	  0x48, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff),
	V("mov word [rax],imm16", 5, OTH, MR | MEM | OSZ, 0, 0xc7, 0, 0, 0,
	  3, 2, 0x1234, 0x66, 0xc7, 0x00, 0x34, 0x12),
	V("mov dword [rip+d],imm32", 10, OTH, MR | MEM | RIP, 0, 0xc7, 2, 4,
	  0x10, 6, 4, 1,
	  0xc7, 0x05, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00),
	V("sub rsp,imm32", 7, OTH, MR, 0, 0x81, 0, 0, 0, 3, 4, 0x100,
	  0x48, 0x81, 0xec, 0x00, 0x01, 0x00, 0x00),
	V("sub rsp,imm8", 4, OTH, MR, 0, 0x83, 0, 0, 0, 3, 1, 8,
	  0x48, 0x83, 0xec, 0x08),
	V("imul rax,rax,imm32", 7, OTH, MR, 0, 0x69, 0, 0, 0, 3, 4, 10000,
	  0x48, 0x69, 0xc0, 0x10, 0x27, 0x00, 0x00),
	V("imul eax,eax,imm8", 3, OTH, MR, 0, 0x6b, 0, 0, 0, 2, 1, 10,
	  0x6b, 0xc0, 0x0a),
	V("add eax,imm32", 5, OTH, 0, 0, 0x05, 0, 0, 0, 1, 4, 0x10,
	  0x05, 0x10, 0x00, 0x00, 0x00),
	V("add ax,imm16", 4, OTH, OSZ, 0, 0x05, 0, 0, 0, 2, 2, 0x10,
	  0x66, 0x05, 0x10, 0x00),
	V("test cl,1 (f6 /0)", 3, OTH, MR, 0, 0xf6, 0, 0, 0, 2, 1, 1,
	  0xf6, 0xc1, 0x01),
	V("not cl (f6 /2)", 2, OTH, MR, 0, 0xf6, 0, 0, 0, 0, 0, 0, 0xf6, 0xd1),
	V("test edi,imm32 (f7 /0)", 6, OTH, MR, 0, 0xf7, 0, 0, 0, 2, 4, 0x10000,
	  0xf7, 0xc7, 0x00, 0x00, 0x01, 0x00),
	V("test di,imm16", 5, OTH, MR | OSZ, 0, 0xf7, 0, 0, 0, 3, 2, 1,
	  0x66, 0xf7, 0xc7, 0x01, 0x00),
	V("test [rbx+8],imm32 (f7 /1)", 7, OTH, MR | MEM, 0, 0xf7, 2, 1, 8,
	  3, 4, 2, 0xf7, 0x4b, 0x08, 0x02, 0x00, 0x00, 0x00),
	V("div rcx (f7 /6)", 3, OTH, MR, 0, 0xf7, 0, 0, 0, 0, 0, 0,
	  0x48, 0xf7, 0xf1),
	V("enter 16,1", 4, OTH, 0, 0, 0xc8, 0, 0, 0, 1, 3, 16,
	  0xc8, 0x10, 0x00, 0x01),
	V("push imm32", 5, OTH, 0, 0, 0x68, 0, 0, 0, 1, 4, 0x1000,
	  0x68, 0x00, 0x10, 0x00, 0x00),
	V("push imm16", 4, OTH, OSZ, 0, 0x68, 0, 0, 0, 2, 2, 0x1234,
	  0x66, 0x68, 0x34, 0x12),
	V("push imm8", 2, OTH, 0, 0, 0x6a, 0, 0, 0, 1, 1, 1, 0x6a, 0x01),
	V("in al,imm8", 2, OTH, 0, 0, 0xe4, 0, 0, 0, 1, 1, 0x60, 0xe4, 0x60),
	V("in al,dx", 1, OTH, 0, 0, 0xec, 0, 0, 0, 0, 0, 0, 0xec),
	V("bt rax,5", 5, OTH, MR, 1, 0xba, 0, 0, 0, 4, 1, 5,
	  0x48, 0x0f, 0xba, 0xe0, 0x05),
	V("shld", 4, OTH, MR, 1, 0xa4, 0, 0, 0, 3, 1, 8, 0x0f, 0xa4, 0xc1, 0x08),
	V("pop rax (8f /0)", 2, OTH, MR, 0, 0x8f, 0, 0, 0, 0, 0, 0, 0x8f, 0xc0),
	V("pop [rax+8] (8f /0)", 3, OTH, MR | MEM, 0, 0x8f, 2, 1, 8, 0, 0, 0,
	  0x8f, 0x40, 0x08),
	V("fldz", 2, OTH, MR, 0, 0xd9, 0, 0, 0, 0, 0, 0, 0xd9, 0xee),
	V("fld qword [rbp-8]", 3, OTH, MR | MEM, 0, 0xdd, 2, 1, -8, 0, 0, 0,
	  0xdd, 0x45, 0xf8),

	/* SSE and the 0f38 / 0f3a maps */
	V("pshufd", 5, OTH, MR | OSZ, 1, 0x70, 0, 0, 0, 4, 1, 0x1b,
	  0x66, 0x0f, 0x70, 0xc1, 0x1b),
	V("psrldq", 5, OTH, MR | OSZ, 1, 0x73, 0, 0, 0, 4, 1, 8,
	  0x66, 0x0f, 0x73, 0xd8, 0x08),
	V("cmpps", 4, OTH, MR, 1, 0xc2, 0, 0, 0, 3, 1, 0, 0x0f, 0xc2, 0xc1, 0x00),
	V("pinsrw", 5, OTH, MR | OSZ, 1, 0xc4, 0, 0, 0, 4, 1, 1,
	  0x66, 0x0f, 0xc4, 0xc0, 0x01),
	V("palignr", 6, OTH, MR | OSZ, 3, 0x0f, 0, 0, 0, 5, 1, 8,
	  0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08),
	V("pshufb", 5, OTH, MR | OSZ, 2, 0x00, 0, 0, 0, 0, 0, 0,
	  0x66, 0x0f, 0x38, 0x00, 0xc1),
	V("sha1nexte", 4, OTH, MR, 2, 0xc8, 0, 0, 0, 0, 0, 0,
	  0x0f, 0x38, 0xc8, 0xc1),
	V("sha256rnds2", 5, OTH, MR | MEM, 2, 0xcb, 4, 1, 0x10, 0, 0, 0,
	  0x0f, 0x38, 0xcb, 0x46, 0x10),
	V("sha1rnds4", 5, OTH, MR, 3, 0xcc, 0, 0, 0, 4, 1, 0,
	  0x0f, 0x3a, 0xcc, 0xc1, 0x00),
	V("aesenc", 5, OTH, MR | OSZ, 2, 0xdc, 0, 0, 0, 0, 0, 0,
	  0x66, 0x0f, 0x38, 0xdc, 0xc1),
	V("aeskeygenassist", 6, OTH, MR | OSZ, 3, 0xdf, 0, 0, 0, 5, 1, 1,
	  0x66, 0x0f, 0x3a, 0xdf, 0xc1, 0x01),
	V("pclmulqdq", 6, OTH, MR | OSZ, 3, 0x44, 0, 0, 0, 5, 1, 0x11,
	  0x66, 0x0f, 0x3a, 0x44, 0xc1, 0x11),
	V("gf2p8affineqb", 6, OTH, MR | OSZ, 3, 0xce, 0, 0, 0, 5, 1, 0,
	  0x66, 0x0f, 0x3a, 0xce, 0xc1, 0x00),
	V("gf2p8mulb", 5, OTH, MR | OSZ, 2, 0xcf, 0, 0, 0, 0, 0, 0,
	  0x66, 0x0f, 0x38, 0xcf, 0xc1),
	V("crc32", 6, OTH, MR | RPN, 2, 0xf1, 0, 0, 0, 0, 0, 0,
	  0xf2, 0x48, 0x0f, 0x38, 0xf1, 0xc1),
	V("movbe", 5, OTH, MR | MEM, 2, 0xf0, 4, 1, 4, 0, 0, 0,
	  0x0f, 0x38, 0xf0, 0x47, 0x04),
	V("popcnt", 5, OTH, MR | REP, 1, 0xb8, 0, 0, 0, 0, 0, 0,
	  0xf3, 0x48, 0x0f, 0xb8, 0xc7),
	V("pfmul (3dnow)", 4, OTH, MR, 1, 0x0f, 0, 0, 0, 3, 1, (s8)0xb4,
	  0x0f, 0x0f, 0xc1, 0xb4),
	V("pfadd [rax+8] (3dnow)", 5, OTH, MR | MEM, 1, 0x0f, 3, 1, 8, 4, 1,
	  (s8)0x9e, 0x0f, 0x0f, 0x40, 0x08, 0x9e),
	V("extrq ib,ib", 6, OTH, MR | OSZ, 1, 0x78, 0, 0, 0, 4, 2, 5,
	  0x66, 0x0f, 0x78, 0xc0, 0x05, 0x06),
	V("insertq ib,ib", 6, OTH, MR | RPN, 1, 0x78, 0, 0, 0, 4, 2, 5,
	  0xf2, 0x0f, 0x78, 0xc1, 0x05, 0x06),
	V("extrq xmm,xmm", 4, OTH, MR | OSZ, 1, 0x79, 0, 0, 0, 0, 0, 0,
	  0x66, 0x0f, 0x79, 0xc1),

	/* VEX, EVEX, XOP */
	V("vzeroupper", 3, OTH, VEX, 1, 0x77, 0, 0, 0, 0, 0, 0,
	  0xc5, 0xf8, 0x77),
	V("vmovdqa ymm0,[rsi]", 4, OTH, VEX | MR | MEM, 1, 0x6f, 0, 0, 0,
	  0, 0, 0, 0xc5, 0xfd, 0x6f, 0x06),
	V("vpshufd", 5, OTH, VEX | MR, 1, 0x70, 0, 0, 0, 4, 1, 0x1b,
	  0xc5, 0xf9, 0x70, 0xc1, 0x1b),
	V("vinserti128", 6, OTH, VEX | MR, 3, 0x38, 0, 0, 0, 5, 1, 1,
	  0xc4, 0xe3, 0x7d, 0x38, 0xc1, 0x01),
	V("vpbroadcastd ymm0,[rip]", 9, OTH, VEX | MR | MEM | RIP, 2, 0x58,
	  5, 4, 0x40, 0, 0, 0,
	  0xc4, 0xe2, 0x7d, 0x58, 0x05, 0x40, 0x00, 0x00, 0x00),
	V("vaesenc ymm", 5, OTH, VEX | MR, 2, 0xdc, 0, 0, 0, 0, 0, 0,
	  0xc4, 0xe2, 0x7d, 0xdc, 0xc1),
	V("vgf2p8affineqb", 6, OTH, VEX | MR, 3, 0xce, 0, 0, 0, 5, 1, 0,
	  0xc4, 0xe3, 0xfd, 0xce, 0xc1, 0x00),
	V("vpclmulqdq ymm", 6, OTH, VEX | MR, 3, 0x44, 0, 0, 0, 5, 1, 0,
	  0xc4, 0xe3, 0x7d, 0x44, 0xc1, 0x00),
	V("vmovdqa32 zmm0,[rsi]", 6, OTH, EVX | MR | MEM, 1, 0x6f, 0, 0, 0,
	  0, 0, 0, 0x62, 0xf1, 0x7d, 0x48, 0x6f, 0x06),
	V("vmovdqa32 zmm0,[rsi+64] (disp8*N)", 7, OTH, EVX | MR | MEM, 1, 0x6f,
	  6, 1, 1, 0, 0, 0, 0x62, 0xf1, 0x7d, 0x48, 0x6f, 0x46, 0x01),
	V("vinserti32x4 (evex 0f3a)", 7, OTH, EVX | MR, 3, 0x38, 0, 0, 0,
	  6, 1, 1, 0x62, 0xf3, 0x7d, 0x48, 0x38, 0xc1, 0x01),
	V("vpbroadcastd zmm0,[rip]", 10, OTH, EVX | MR | MEM | RIP, 2, 0x58,
	  6, 4, 0, 0, 0, 0,
	  0x62, 0xf2, 0x7d, 0x48, 0x58, 0x05, 0x00, 0x00, 0x00, 0x00),
	V("vpternlogd zmm", 7, OTH, EVX | MR, 3, 0x25, 0, 0, 0, 6, 1, (s8)0x96,
	  0x62, 0xf3, 0x75, 0x48, 0x25, 0xc2, 0x96),
	V("vprotb (xop 8)", 6, OTH, XOP | MR, 8, 0xc0, 0, 0, 0, 5, 1, 5,
	  0x8f, 0xe8, 0x78, 0xc0, 0xc1, 0x05),
	V("vphaddbw (xop 9)", 5, OTH, XOP | MR, 9, 0xc1, 0, 0, 0, 0, 0, 0,
	  0x8f, 0xe9, 0x78, 0xc1, 0xc1),
	V("bextr imm32 (xop a)", 9, OTH, XOP | MR, 10, 0x10, 0, 0, 0, 5, 4, 1,
	  0x8f, 0xea, 0x78, 0x10, 0xc0, 0x01, 0x00, 0x00, 0x00),

	/* system: SEV-SNP, shadow stack, LKGS, TDX, VMX, SVM, misc */
	V("pvalidate", 4, OTH, MR | RPN, 1, 0x01, 0, 0, 0, 0, 0, 0,
	  0xf2, 0x0f, 0x01, 0xff),
	V("rmpadjust", 4, OTH, MR | REP, 1, 0x01, 0, 0, 0, 0, 0, 0,
	  0xf3, 0x0f, 0x01, 0xfe),
	V("psmash", 4, OTH, MR | REP, 1, 0x01, 0, 0, 0, 0, 0, 0,
	  0xf3, 0x0f, 0x01, 0xff),
	V("rmpupdate", 4, OTH, MR | RPN, 1, 0x01, 0, 0, 0, 0, 0, 0,
	  0xf2, 0x0f, 0x01, 0xfe),
	V("incsspq", 5, OTH, MR | REP, 1, 0xae, 0, 0, 0, 0, 0, 0,
	  0xf3, 0x48, 0x0f, 0xae, 0xe8),
	V("rstorssp", 4, OTH, MR | MEM | REP, 1, 0x01, 0, 0, 0, 0, 0, 0,
	  0xf3, 0x0f, 0x01, 0x28),
	V("wrssq", 5, OTH, MR | MEM, 2, 0xf6, 0, 0, 0, 0, 0, 0,
	  0x48, 0x0f, 0x38, 0xf6, 0x07),
	V("wrussq", 6, OTH, MR | MEM | OSZ, 2, 0xf5, 0, 0, 0, 0, 0, 0,
	  0x66, 0x48, 0x0f, 0x38, 0xf5, 0x07),
	V("saveprevssp", 4, OTH, MR | REP, 1, 0x01, 0, 0, 0, 0, 0, 0,
	  0xf3, 0x0f, 0x01, 0xea),
	V("setssbsy", 4, OTH, MR | REP, 1, 0x01, 0, 0, 0, 0, 0, 0,
	  0xf3, 0x0f, 0x01, 0xe8),
	V("clrssbsy", 4, OTH, MR | MEM | REP, 1, 0xae, 0, 0, 0, 0, 0, 0,
	  0xf3, 0x0f, 0xae, 0x30),
	V("lkgs di", 4, OTH, MR | RPN, 1, 0x00, 0, 0, 0, 0, 0, 0,
	  0xf2, 0x0f, 0x00, 0xf7),
	V("enqcmd", 5, OTH, MR | MEM | RPN, 2, 0xf8, 0, 0, 0, 0, 0, 0,
	  0xf2, 0x0f, 0x38, 0xf8, 0x07),
	V("enqcmds", 5, OTH, MR | MEM | REP, 2, 0xf8, 0, 0, 0, 0, 0, 0,
	  0xf3, 0x0f, 0x38, 0xf8, 0x07),
	V("movdir64b", 5, OTH, MR | MEM | OSZ, 2, 0xf8, 0, 0, 0, 0, 0, 0,
	  0x66, 0x0f, 0x38, 0xf8, 0x07),
	V("movdiri", 4, OTH, MR | MEM, 2, 0xf9, 0, 0, 0, 0, 0, 0,
	  0x0f, 0x38, 0xf9, 0x07),
	V("serialize", 3, OTH, MR, 1, 0x01, 0, 0, 0, 0, 0, 0, 0x0f, 0x01, 0xe8),
	V("tdcall", 4, OTH, MR | OSZ, 1, 0x01, 0, 0, 0, 0, 0, 0,
	  0x66, 0x0f, 0x01, 0xcc),
	V("wrmsrns", 3, OTH, MR, 1, 0x01, 0, 0, 0, 0, 0, 0, 0x0f, 0x01, 0xc6),
	V("vmcall", 3, OTH, MR, 1, 0x01, 0, 0, 0, 0, 0, 0, 0x0f, 0x01, 0xc1),
	V("vmlaunch", 3, OTH, MR, 1, 0x01, 0, 0, 0, 0, 0, 0, 0x0f, 0x01, 0xc2),
	V("vmresume", 3, OTH, MR, 1, 0x01, 0, 0, 0, 0, 0, 0, 0x0f, 0x01, 0xc3),
	V("vmrun", 3, OTH, MR, 1, 0x01, 0, 0, 0, 0, 0, 0, 0x0f, 0x01, 0xd8),
	V("vmmcall", 3, OTH, MR, 1, 0x01, 0, 0, 0, 0, 0, 0, 0x0f, 0x01, 0xd9),
	V("invlpga", 3, OTH, MR, 1, 0x01, 0, 0, 0, 0, 0, 0, 0x0f, 0x01, 0xdf),
	V("vmptrld", 4, OTH, MR | MEM, 1, 0xc7, 3, 1, 8, 0, 0, 0,
	  0x0f, 0xc7, 0x70, 0x08),
	V("vmread", 3, OTH, MR, 1, 0x78, 0, 0, 0, 0, 0, 0, 0x0f, 0x78, 0xc8),
	V("vmwrite", 3, OTH, MR, 1, 0x79, 0, 0, 0, 0, 0, 0, 0x0f, 0x79, 0xc1),
	V("invept", 5, OTH, MR | MEM | OSZ, 2, 0x80, 0, 0, 0, 0, 0, 0,
	  0x66, 0x0f, 0x38, 0x80, 0x07),
	V("invpcid", 5, OTH, MR | MEM | OSZ, 2, 0x82, 0, 0, 0, 0, 0, 0,
	  0x66, 0x0f, 0x38, 0x82, 0x07),
	V("swapgs", 3, OTH, MR, 1, 0x01, 0, 0, 0, 0, 0, 0, 0x0f, 0x01, 0xf8),
	V("rdtscp", 3, OTH, MR, 1, 0x01, 0, 0, 0, 0, 0, 0, 0x0f, 0x01, 0xf9),
	V("clac", 3, OTH, MR, 1, 0x01, 0, 0, 0, 0, 0, 0, 0x0f, 0x01, 0xca),
	V("xgetbv", 3, OTH, MR, 1, 0x01, 0, 0, 0, 0, 0, 0, 0x0f, 0x01, 0xd0),
	V("lgdt [rip]", 7, OTH, MR | MEM | RIP, 1, 0x01, 3, 4, 0, 0, 0, 0,
	  0x0f, 0x01, 0x15, 0x00, 0x00, 0x00, 0x00),
	V("mov rax,cr3", 3, OTH, MR, 1, 0x20, 0, 0, 0, 0, 0, 0, 0x0f, 0x20, 0xd8),
	V("mov cr3,rax (mod ignored)", 3, OTH, MR, 1, 0x22, 0, 0, 0, 0, 0, 0,
	  0x0f, 0x22, 0x18),
	V("mov cr8,rax", 4, OTH, MR, 1, 0x22, 0, 0, 0, 0, 0, 0,
	  0x44, 0x0f, 0x22, 0xc0),
	V("mov dr7,rax", 3, OTH, MR, 1, 0x23, 0, 0, 0, 0, 0, 0, 0x0f, 0x23, 0xf8),
	V("wrmsr", 2, OTH, 0, 1, 0x30, 0, 0, 0, 0, 0, 0, 0x0f, 0x30),
	V("cpuid", 2, OTH, 0, 1, 0xa2, 0, 0, 0, 0, 0, 0, 0x0f, 0xa2),
	V("lfence", 3, OTH, MR, 1, 0xae, 0, 0, 0, 0, 0, 0, 0x0f, 0xae, 0xe8),
	V("clflushopt", 4, OTH, MR | MEM | OSZ, 1, 0xae, 0, 0, 0, 0, 0, 0,
	  0x66, 0x0f, 0xae, 0x38),
	V("rdrand rax", 4, OTH, MR, 1, 0xc7, 0, 0, 0, 0, 0, 0,
	  0x48, 0x0f, 0xc7, 0xf0),
	V("rdpid", 4, OTH, MR | REP, 1, 0xc7, 0, 0, 0, 0, 0, 0,
	  0xf3, 0x0f, 0xc7, 0xf8),
	V("xend", 3, OTH, MR, 1, 0x01, 0, 0, 0, 0, 0, 0, 0x0f, 0x01, 0xd5),
	V("bswap r8", 3, OTH, 0, 1, 0xc8, 0, 0, 0, 0, 0, 0, 0x49, 0x0f, 0xc8),
	V("wbinvd", 2, OTH, 0, 1, 0x09, 0, 0, 0, 0, 0, 0, 0x0f, 0x09),

	/* 15 bytes exactly */
	V("14 prefixes + nop", 15, NOP, OSZ, 0, 0x90, 0, 0, 0, 0, 0, 0,
	  0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	  0x66, 0x66, 0x66, 0x90),
	V("longest add", 15, OTH, MR | SB | MEM | LCK | SEG, 0, 0x81, 7, 4,
	  0x10, 11, 4, -1, 0xf0, 0x2e, 0x2e, 0x48, 0x81, 0x84, 0x24, 0x10,
	  0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff),
};

struct bad {
	const char *what;
	const u8 *b;
	size_t n;
};

#define BAD(w, ...)	{ w, BYTES(__VA_ARGS__) }

static const struct bad bads[] = {
	/* invalid in 64-bit mode (bytes after them so that length is known) */
	BAD("push es", 0x06, 0, 0, 0), BAD("pop es", 0x07, 0, 0, 0),
	BAD("push cs", 0x0e, 0, 0, 0), BAD("push ss", 0x16, 0, 0, 0),
	BAD("pop ss", 0x17, 0, 0, 0), BAD("push ds", 0x1e, 0, 0, 0),
	BAD("pop ds", 0x1f, 0, 0, 0), BAD("daa", 0x27, 0, 0, 0),
	BAD("das", 0x2f, 0, 0, 0), BAD("aaa", 0x37, 0, 0, 0),
	BAD("aas", 0x3f, 0, 0, 0), BAD("pusha", 0x60, 0, 0, 0),
	BAD("popa", 0x61, 0, 0, 0), BAD("82 alias", 0x82, 0xc0, 1, 0),
	BAD("call far", 0x9a, 0, 0, 0, 0, 0, 0, 0),
	BAD("into", 0xce, 0, 0, 0), BAD("aam", 0xd4, 0x0a, 0, 0),
	BAD("aad", 0xd5, 0x0a, 0, 0), BAD("salc", 0xd6, 0, 0, 0),
	BAD("jmp far (startup code has one)", 0xea, 0xa7, 0x08, 0x00, 0x01,
	    0x08, 0x00, 0xb9),
	BAD("66 jmp far", 0x66, 0xea, 0, 0, 0, 0, 0, 0),
	BAD("0f 04", 0x0f, 0x04, 0, 0), BAD("0f 0a", 0x0f, 0x0a, 0, 0),
	BAD("0f 0c", 0x0f, 0x0c, 0, 0), BAD("mov tr", 0x0f, 0x24, 0xc0, 0),
	BAD("0f 36", 0x0f, 0x36, 0, 0), BAD("0f 39", 0x0f, 0x39, 0, 0),
	BAD("0f 3b", 0x0f, 0x3b, 0, 0), BAD("0f 7a", 0x0f, 0x7a, 0xc0, 0),
	BAD("0f 38 50", 0x0f, 0x38, 0x50, 0xc0),
	BAD("0f 3a 00", 0x0f, 0x3a, 0x00, 0xc0, 0),
	BAD("jmpe (0f b8 without f3)", 0x0f, 0xb8, 0xc0, 0, 0, 0, 0),
	BAD("f3 0f 78", 0xf3, 0x0f, 0x78, 0xc0, 0, 0),
	BAD("0f 00 /6 without f2", 0x0f, 0x00, 0xf7, 0),
	BAD("0f 00 /7", 0xf2, 0x0f, 0x00, 0xf8, 0),
	BAD("lea reg,reg", 0x48, 0x8d, 0xc0, 0),
	BAD("pop 8f /4 (8f /1-/3 are XOP)", 0x8f, 0x20, 0),
	BAD("fe /2", 0xfe, 0x10, 0), BAD("ff /7", 0xff, 0xf8, 0),
	BAD("ff /3 reg", 0xff, 0xd8, 0), BAD("ff /5 reg", 0xff, 0xe8, 0),
	BAD("c7 /1", 0xc7, 0xc8, 0, 0, 0, 0),
	BAD("c6 /3", 0xc6, 0xd8, 0),
	/* VEX / EVEX / XOP misuse */
	BAD("66 vex", 0x66, 0xc5, 0xf8, 0x77),
	BAD("rex vex", 0x48, 0xc5, 0xf8, 0x77),
	BAD("f3 vex3", 0xf3, 0xc4, 0xe1, 0x7d, 0x6f, 0xc0),
	BAD("lock vex", 0xf0, 0xc5, 0xf8, 0x77),
	BAD("vex map 0", 0xc4, 0xe0, 0x7d, 0x6f, 0xc0),
	BAD("vex map 4", 0xc4, 0xe4, 0x7d, 0x6f, 0xc0),
	BAD("evex P1 bit 2 clear (MVEX)", 0x62, 0xf1, 0x79, 0x48, 0x6f, 0x06),
	BAD("evex P0 bit 3 set", 0x62, 0xf9, 0x7d, 0x48, 0x6f, 0x06),
	BAD("evex map 4", 0x62, 0xf4, 0x7d, 0x48, 0x6f, 0x06),
	BAD("evex map 7", 0x62, 0xf7, 0x7d, 0x48, 0x6f, 0x06),
	BAD("evex 77", 0x62, 0xf1, 0x7c, 0x48, 0x77, 0xc0),
	BAD("rex evex", 0x48, 0x62, 0xf1, 0x7d, 0x48, 0x6f, 0x06),
	BAD("xop map b", 0x8f, 0xeb, 0x78, 0x10, 0xc0, 0, 0, 0, 0),
	BAD("66 xop", 0x66, 0x8f, 0xe9, 0x78, 0xc1, 0xc1),
	/* longer than 15 bytes */
	BAD("15 prefixes + nop", 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90),
	BAD("16 prefixes", 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66),
	BAD("16 rex prefixes", 0x48, 0x48, 0x48, 0x48, 0x48, 0x48, 0x48,
	    0x48, 0x48, 0x48, 0x48, 0x48, 0x48, 0x48, 0x48, 0x48),
	BAD("16 mixed prefixes", 0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e, 0x26,
	    0x64, 0x65, 0x66, 0x67, 0x40, 0x66, 0x66, 0x66, 0x66),
	BAD("13 prefixes + add ax,imm16", 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x05, 0x00, 0x00),
	BAD("11 prefixes + movabs", 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e,
	    0x2e, 0x2e, 0x2e, 0x2e, 0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0),
	BAD("12 prefixes + nopl disp32 (16)", 0x2e, 0x2e, 0x2e, 0x2e, 0x2e,
	    0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x66, 0x0f, 0x1f, 0x80, 0, 0,
	    0, 0),
};

static bool same_insn(const struct ng_insn *x, const struct ng_insn *y)
{
	return x->len == y->len && x->kind == y->kind &&
	       x->flags == y->flags && x->map == y->map &&
	       x->opcode == y->opcode && x->opc_off == y->opc_off &&
	       x->rex == y->rex && x->modrm == y->modrm && x->sib == y->sib &&
	       x->disp_off == y->disp_off && x->disp_len == y->disp_len &&
	       x->imm_off == y->imm_off && x->imm_len == y->imm_len &&
	       x->disp == y->disp && x->imm == y->imm;
}

/*
 * Decode b[0..n) from an exact-length heap block (the careful path) and
 * from a 64-byte buffer padded with pad (the fast path for long buffers);
 * both must agree on everything. Returns the result.
 */
static int decode_both(struct ng_insn *in, const u8 *b, size_t n, u8 pad,
		       bool *agree)
{
	struct ng_insn fast;
	u8 big[64];
	u8 *e = malloc(n);
	int r, rf;

	memset(big, pad, sizeof(big));
	memcpy(big, b, n);
	if (n)
		memcpy(e, b, n);
	r = ng_insn_decode(in, e, n);
	rf = ng_insn_decode(&fast, big, sizeof(big));
	*agree = ng_insn_len(e, n) == r &&
		 ng_insn_len(big, sizeof(big)) == rf &&
		 (r > 0 ? rf == r && same_insn(in, &fast) :
		  r == -EINVAL ? rf == -EINVAL : true);
	free(e);
	return r;
}

static void test_vectors(void)
{
	size_t v;

	for (v = 0; v < ARRAY_SIZE(vecs); v++) {
		const struct vec *t = &vecs[v];
		struct ng_insn in;
		bool agree, agree2;
		int r = decode_both(&in, t->b, t->n, 0xcc, &agree2);
		int l = decode_both(&in, t->b, t->n, 0x00, &agree);
		bool ok = agree && agree2 &&
			  r == t->len && l == t->len && in.len == t->len &&
			  in.kind == t->kind && in.flags == t->flags &&
			  in.map == t->map && in.opcode == t->op &&
			  in.disp_off == t->doff && in.disp_len == t->dlen &&
			  in.disp == t->disp && in.imm_off == t->ioff &&
			  in.imm_len == t->ilen && in.imm == t->imm;

		if (!ok)
			printf("\n  %s: got len %d/%d kind %u flags %#x map %u op %#x disp %u+%u=%lld imm %u+%u=%lld",
			       t->what, r, l, in.kind, in.flags, in.map,
			       in.opcode, in.disp_off, in.disp_len,
			       (long long)in.disp, in.imm_off, in.imm_len,
			       (long long)in.imm);
		CU_ASSERT(ok);
	}
}

/* Fields that follow from the bytes: opc_off, modrm, sib, rex. */
static void test_layout(void)
{
	size_t v;

	for (v = 0; v < ARRAY_SIZE(vecs); v++) {
		const struct vec *t = &vecs[v];
		struct ng_insn in;

		if (ng_insn_decode(&in, t->b, t->n) != t->len)
			continue;
		CU_ASSERT(in.opc_off < in.len);
		if (!(in.flags & (NG_IF_VEX | NG_IF_EVEX | NG_IF_XOP)) &&
		    !(in.map == 1 && in.opcode == 0x0f))
			CU_ASSERT(t->b[in.opc_off] == in.opcode);
		if (in.flags & NG_IF_MODRM)
			CU_ASSERT(t->b[in.opc_off + 1] == in.modrm);
		if (in.flags & NG_IF_SIB)
			CU_ASSERT(t->b[in.opc_off + 2] == in.sib);
		if (in.rex)
			CU_ASSERT(in.opc_off >= 1 + (in.map >= 1) &&
				  (in.rex & 0xf0) == 0x40);
		if (in.disp_len)
			CU_ASSERT(in.disp_off + in.disp_len <= in.len);
		if (in.imm_len)
			CU_ASSERT(in.imm_off + in.imm_len == in.len);
	}
	/* REX counts only right before the opcode */
	{
		static const u8 b1[] = { 0x41, 0x66, 0x90 };
		static const u8 b2[] = { 0x66, 0x41, 0x90 };
		struct ng_insn in;

		CU_ASSERT(ng_insn_decode(&in, b1, sizeof(b1)) == 3);
		CU_ASSERT(in.rex == 0 && in.kind == NG_K_NOP);
		CU_ASSERT(ng_insn_decode(&in, b2, sizeof(b2)) == 3);
		CU_ASSERT(in.rex == 0x41 && in.kind == NG_K_OTHER);
	}
	/* target of a relative branch */
	{
		static const u8 b[] = { 0xe8, 0xfb, 0xff, 0xff, 0xff };
		struct ng_insn in;

		CU_ASSERT(ng_insn_decode(&in, b, sizeof(b)) == 5);
		CU_ASSERT(ng_insn_target(&in, 0xffffffff81000000ull) ==
			  0xffffffff81000000ull);
	}
}

static void test_truncated(void)
{
	size_t v, cut;

	for (v = 0; v < ARRAY_SIZE(vecs); v++) {
		const struct vec *t = &vecs[v];

		for (cut = 0; cut < (size_t)t->len; cut++) {
			struct ng_insn in;
			u8 *b = malloc(cut);	/* 0: ASan flags any read */
			int r, l;

			if (cut && !b)
				continue;
			memcpy(b, t->b, cut);
			r = ng_insn_decode(&in, b, cut);
			l = ng_insn_len(b, cut);
			if (r != -ENODATA || l != -ENODATA)
				printf("\n  %s cut at %zu: %d/%d", t->what, cut,
				       r, l);
			CU_ASSERT(r == -ENODATA && l == -ENODATA);
			free(b);
		}
	}
}

static void test_invalid(void)
{
	size_t v;

	for (v = 0; v < ARRAY_SIZE(bads); v++) {
		const struct bad *t = &bads[v];
		struct ng_insn in;
		int r = ng_insn_decode(&in, t->b, t->n);
		int l = ng_insn_len(t->b, t->n);
		u8 big[64] = { 0 };

		/* the fast path (long buffers) refuses them too */
		memcpy(big, t->b, t->n);
		CU_ASSERT(ng_insn_decode(&in, big, sizeof(big)) == -EINVAL);
		CU_ASSERT(ng_insn_len(big, sizeof(big)) == -EINVAL);

		if (r != -EINVAL || l != -EINVAL)
			printf("\n  %s: %d/%d", t->what, r, l);
		CU_ASSERT(r == -EINVAL && l == -EINVAL);
	}
	/* 15 prefix bytes and nothing else: can never become valid */
	{
		static const u8 b[15] = {
			0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
			0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		};

		CU_ASSERT(ng_insn_len(b, 15) == -EINVAL);
		CU_ASSERT(ng_insn_len(b, 14) == -ENODATA);
	}
}

static u64 rng_state = 0x9e3779b97f4a7c15ull;

static u64 rng(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void test_random(void)
{
	/* bias towards bytes that start interesting encodings */
	static const u8 hot[] = {
		0x0f, 0x38, 0x3a, 0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x48, 0x41,
		0xc4, 0xc5, 0x62, 0x8f, 0x2e, 0x65, 0xff, 0xf6, 0xf7, 0xc7,
		0xa1, 0xb8, 0xe8, 0x0f, 0x01, 0x1e, 0x78, 0xc8,
	};
	u64 bad = 0, ok = 0, nodata = 0, inval = 0, shown = 0;
	long it;

	for (it = 0; it < 2000000; it++) {
		size_t n = rng() % 21, i;
		u8 *b = malloc(n);	/* exactly n: ASan flags reads past it */
		struct ng_insn in;
		int r, l;

		if (n && !b) {
			bad++;
			break;
		}
		for (i = 0; i < n; i++) {
			u64 x = rng();

			b[i] = (x & 3) ? (u8)(x >> 8) :
			       hot[(x >> 8) % sizeof(hot)];
		}
		r = ng_insn_decode(&in, b, n);
		l = ng_insn_len(b, n);
		if (r != l || r > (int)n || r == 0 || r > NG_INSN_MAX ||
		    (r < 0 && r != -ENODATA && r != -EINVAL) ||
		    (r > 0 && in.len != r))
			bad++;
		if (r > 0) {
			struct ng_insn x, y;
			u8 big[64];
			u8 *c = malloc(r);

			ok++;
			/* the fast path (long buffer) agrees on every field */
			memset(big, (u8)it, sizeof(big));
			memcpy(big, b, n);
			if (ng_insn_decode(&y, big, sizeof(big)) != r ||
			    ng_insn_len(big, sizeof(big)) != r ||
			    !same_insn(&in, &y))
				bad++;
			/* the same from a block of exactly its length... */
			memcpy(c, b, r);
			if (ng_insn_len(c, r) != r ||
			    ng_insn_decode(&x, c, r) != r || !same_insn(&in, &x))
				bad++;
			/* ...and -ENODATA one byte short */
			if (ng_insn_len(c, r - 1) != -ENODATA)
				bad++;
			free(c);
		} else if (r == -ENODATA) {
			nodata++;
		} else {
			inval++;
		}
		if (bad > shown && shown < 5) {
			shown = bad;
			printf("\n  bad:");
			for (i = 0; i < n; i++)
				printf(" %02x", b[i]);
		}
		free(b);
	}
	printf("\n  random: %llu decoded, %llu -ENODATA, %llu -EINVAL, %llu bad ",
	       (unsigned long long)ok, (unsigned long long)nodata,
	       (unsigned long long)inval, (unsigned long long)bad);
	CU_ASSERT(bad == 0);
	CU_ASSERT(ok > 100000 && inval > 1000 && nodata > 1000);
}

static void test_count(void)
{
	/* the brief: at least 80 hand-picked encodings */
	CU_ASSERT(ARRAY_SIZE(vecs) + ARRAY_SIZE(bads) >= 80);
}

int main(void)
{
	static const struct ut_test tests[] = {
		{ "hand-picked encodings", test_vectors },
		{ "field layout", test_layout },
		{ "every cut is -ENODATA", test_truncated },
		{ "invalid encodings", test_invalid },
		{ "random buffers", test_random },
		{ "vector count", test_count },
	};
	static const struct ut_suite suite = {
		.name = "insn", .verbose = true, UT_TESTS(tests),
	};

	return ut_run(&suite);
}
