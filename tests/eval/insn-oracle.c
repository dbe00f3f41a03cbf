// SPDX-License-Identifier: GPL-2.0
/*
 * insn-oracle - compare our x86-64 decoder with Zydis over a real kernel.
 *
 *   insn-oracle [-q] VMLINUX SYSTEM.MAP [ABI]
 *
 * Every text symbol (t/T/w/W) of System.map that lies in the ELF's .text is
 * a function, from its address to the next symbol's. Each function is swept
 * linearly; at every instruction our length is compared with Zydis 4's
 * (ZydisDecoderDecodeInstruction, 64-bit mode, full decode), and our
 * fields with Zydis' raw ones; ng_insn_len() and the careful path for
 * short buffers must agree with ng_insn_decode() too. The decoders
 * see the bytes up to the end of .text (an instruction may run past a
 * symbol that starts inside it); the sweep stops at the function's end.
 *
 *  - Zydis decodes and we fail or disagree: a mismatch (printed). The sweep
 *    resyncs at the next symbol.
 *  - Zydis fails: an oracle failure. objdump (binutils, -M intel64) decodes
 *    the same bytes as a tie-breaker. If we decoded them, the sweep goes on
 *    with our length, else it resyncs at the next symbol.
 *
 * Prints each mismatch and each Zydis failure, then one line:
 *   insn-oracle: ABI: N insns, M mismatches, Z zydis-failures
 *   (objdump agrees with us on K)
 * Exit status: 0 if no mismatch, 1 if any, 2 on usage or input errors.
 */
#include <Zydis/Zydis.h>
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "insn.h"

#define MAX_PRINT	100

struct sym {
	u64 addr;
	char type;
	char name[95];
};

struct text {
	const u8 *code;		/* .text contents */
	u64 start, size;	/* its address and size */
};

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "insn-oracle: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(2);
}

static void load_text(const char *path, struct text *t)
{
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	const char *strtab;
	struct stat st;
	const u8 *m;
	int fd, i;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		die("cannot open %s", path);
	m = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		die("cannot map %s", path);
	close(fd);
	eh = (const Elf64_Ehdr *)m;
	if ((size_t)st.st_size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, 4) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (u64)eh->e_shnum * sizeof(*sh) > (u64)st.st_size ||
	    eh->e_shstrndx >= eh->e_shnum)
		die("%s: not a 64-bit ELF with sections", path);
	sh = (const Elf64_Shdr *)(m + eh->e_shoff);
	strtab = (const char *)m + sh[eh->e_shstrndx].sh_offset;
	for (i = 0; i < eh->e_shnum; i++) {
		if (strcmp(strtab + sh[i].sh_name, ".text"))
			continue;
		if (sh[i].sh_offset + sh[i].sh_size > (u64)st.st_size)
			die("%s: .text beyond end of file", path);
		t->code = m + sh[i].sh_offset;
		t->start = sh[i].sh_addr;
		t->size = sh[i].sh_size;
		return;
	}
	die("%s: no .text section", path);
}

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Symbols of System.map inside .text, sorted by address. */
static struct sym *load_map(const char *path, const struct text *t, size_t *n)
{
	struct sym *v = NULL, s;
	size_t cap = 0;
	char line[512];
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		die("cannot open %s", path);
	*n = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNx64 " %c %94s", &s.addr, &s.type,
			   s.name) != 3)
			continue;
		if (s.addr < t->start || s.addr >= t->start + t->size)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 65536;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				die("out of memory%s", "");
		}
		v[(*n)++] = s;
	}
	fclose(f);
	if (!*n)
		die("%s: no symbols inside .text (placeholder System.map?)",
		    path);
	qsort(v, *n, sizeof(*v), sym_cmp);
	return v;
}

/*
 * Instructions newer than both Zydis 4.0 and binutils 2.40, named in the
 * report so that a reader can check them against the manual.
 */
static const char *newer_than_oracles(const u8 *p, size_t n)
{
	size_t i = 0;

	while (i < n && i < 14 && (p[i] == 0x66 || p[i] == 0xf2 ||
				     p[i] == 0xf3 || p[i] == 0x2e ||
				     p[i] == 0x3e))
		i++;
	/* LKGS r/m16: f2 0f 00 /6 (Intel FRED and LKGS specification) */
	if (i + 2 < n && memchr(p, 0xf2, i) && p[i] == 0x0f &&
	    p[i + 1] == 0x00 && ((p[i + 2] >> 3) & 7) == 6)
		return "lkgs (F2 0F 00 /6)";
	return NULL;
}

/* Our kind, as Zydis sees the instruction. */
static int zydis_kind(const ZydisDecodedInstruction *z)
{
	bool rel = z->raw.imm[0].is_relative;

	switch (z->mnemonic) {
	case ZYDIS_MNEMONIC_CALL:
		return rel ? NG_K_CALL_REL : NG_K_CALL_IND;
	case ZYDIS_MNEMONIC_JMP:
		return rel ? NG_K_JMP_REL : NG_K_JMP_IND;
	case ZYDIS_MNEMONIC_RET:
	case ZYDIS_MNEMONIC_IRET:
	case ZYDIS_MNEMONIC_IRETD:
	case ZYDIS_MNEMONIC_IRETQ:
	case ZYDIS_MNEMONIC_SYSRET:
	case ZYDIS_MNEMONIC_SYSEXIT:
		return NG_K_RET;
	case ZYDIS_MNEMONIC_INT3:
		return NG_K_INT3;
	case ZYDIS_MNEMONIC_INT:
	case ZYDIS_MNEMONIC_INT1:
		return NG_K_INT;
	case ZYDIS_MNEMONIC_UD0:
	case ZYDIS_MNEMONIC_UD1:
	case ZYDIS_MNEMONIC_UD2:
		return NG_K_UD;
	case ZYDIS_MNEMONIC_HLT:
		return NG_K_HLT;
	case ZYDIS_MNEMONIC_ENDBR32:
	case ZYDIS_MNEMONIC_ENDBR64:
		return NG_K_ENDBR;
	case ZYDIS_MNEMONIC_NOP:
		return NG_K_NOP;
	default:
		break;
	}
	/* Zydis files xend/xabort under COND_BR too: they do not branch */
	if (z->mnemonic == ZYDIS_MNEMONIC_XBEGIN ||
	    (z->meta.category == ZYDIS_CATEGORY_COND_BR &&
	     z->mnemonic != ZYDIS_MNEMONIC_XEND &&
	     z->mnemonic != ZYDIS_MNEMONIC_XABORT))
		return NG_K_JCC_REL;
	if (z->meta.category == ZYDIS_CATEGORY_WIDENOP)
		return NG_K_NOP;
	return NG_K_OTHER;
}

/*
 * Compare the fields we fill with Zydis' raw view of the same bytes.
 * Returns a description of the first difference, or NULL.
 */
static const char *field_diff(const struct ng_insn *in,
			      const ZydisDecodedInstruction *z, const u8 *p,
			      char *buf, size_t bsz)
{
	const u64 attr = z->attributes;
	unsigned int zimm = (z->raw.imm[0].size + z->raw.imm[1].size) / 8;
	bool modrm = attr & ZYDIS_ATTRIB_HAS_MODRM;
	bool three_dnow = z->opcode_map == ZYDIS_OPCODE_MAP_0F0F;

	if (modrm != !!(in->flags & NG_IF_MODRM))
		return "modrm presence";
	if (modrm && (in->modrm != p[z->raw.modrm.offset] ||
		      in->opc_off + 1 != z->raw.modrm.offset))
		return "modrm byte/offset";
	if (!!(attr & ZYDIS_ATTRIB_HAS_SIB) != !!(in->flags & NG_IF_SIB) ||
	    ((in->flags & NG_IF_SIB) && in->sib != p[z->raw.sib.offset]))
		return "sib";
	if (z->raw.disp.size / 8 != in->disp_len ||
	    (in->disp_len && z->raw.disp.offset != in->disp_off))
		return "disp size/offset";
	if (in->disp_len && in->disp_len < 8 && !(in->flags & NG_IF_MOFFS) &&
	    z->raw.disp.value != in->disp)
		return "disp value";
	if (modrm && !!(in->flags & NG_IF_RIPREL) !=
	    (z->raw.modrm.mod == 0 && z->raw.modrm.rm == 5 &&
	     z->raw.disp.size == 32))
		return "rip-relative";
	if (!three_dnow) {
		if (zimm != in->imm_len ||
		    (zimm && z->raw.imm[0].offset != in->imm_off))
			return "imm size/offset";
		if (zimm && zimm != 3 && z->raw.imm[1].size)
			zimm = z->raw.imm[0].size / 8;	/* extrq: first ib */
		if (zimm && zimm != 3 &&
		    (u64)z->raw.imm[0].value.u << (64 - 8 * zimm) !=
		    (u64)in->imm << (64 - 8 * zimm) && zimm < 8)
			return "imm value";
		if (zimm == 8 && (u64)z->raw.imm[0].value.u != (u64)in->imm)
			return "imm value";
		if (!!z->raw.imm[0].is_relative != !!(in->flags & NG_IF_REL))
			return "relative";
		if (z->opcode != in->opcode)
			return "opcode";
	}
	if (zydis_kind(z) != in->kind) {
		snprintf(buf, bsz, "kind %d, zydis %d", in->kind, zydis_kind(z));
		return buf;
	}
	return NULL;
}

static int is_func(char type)
{
	return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

static void hex(char *out, const u8 *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out += sprintf(out, "%s%02x", i ? " " : "", p[i]);
	*out = 0;
}

/*
 * objdump's length for the instruction at p (or -1 for "(bad)"), and its
 * text. Runs objdump on a 15-byte file: cheap enough for the few sites
 * that need it.
 */
static int objdump_len(const u8 *p, size_t n, char *text, size_t tsz)
{
	char tmp[] = "/tmp/insn-oracle.XXXXXX", cmd[256], line[512];
	int fd, len = -1;
	FILE *f;

	snprintf(text, tsz, "?");
	fd = mkstemp(tmp);
	if (fd < 0)
		return -2;
	if (write(fd, p, n) != (ssize_t)n) {
		close(fd);
		unlink(tmp);
		return -2;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd),
		 "objdump -D -b binary -m i386:x86-64 -M intel64 "
		 "--insn-width=16 %s 2>/dev/null", tmp);
	f = popen(cmd, "r");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			char *c = strstr(line, "   0:\t"), *b, *e;

			if (!c)
				continue;
			b = c + 6;
			e = strchr(b, '\t');
			if (!e)
				break;
			*e = 0;
			len = 0;
			for (; *b; b++)
				len += *b != ' ' && (b[1] == ' ' || !b[1]);
			snprintf(text, tsz, "%s", e + 1);
			text[strcspn(text, "\n")] = 0;
			if (strstr(text, "(bad)"))
				len = -1;
			break;
		}
		pclose(f);
	}
	unlink(tmp);
	return len;
}

int main(int argc, char **argv)
{
	u64 ninsn = 0, nmis = 0, nzf = 0, nagree = 0, nfield = 0, nint3 = 0;
	const char *abi, *elf, *map;
	ZydisDecoder dec;
	struct text t;
	struct sym *syms;
	size_t nsyms, s;
	int quiet = 0, a = 1;
	long after_zf, stop;

	if (a < argc && !strcmp(argv[a], "-q")) {
		quiet = 1;
		a++;
	}
	if (argc - a < 2 || argc - a > 3) {
		fprintf(stderr, "usage: insn-oracle [-q] VMLINUX SYSTEM.MAP [ABI]\n");
		return 2;
	}
	elf = argv[a];
	map = argv[a + 1];
	abi = argc - a == 3 ? argv[a + 2] : elf;

	load_text(elf, &t);
	syms = load_map(map, &t, &nsyms);
	if (ZYAN_FAILED(ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64,
					 ZYDIS_STACK_WIDTH_64)))
		die("ZydisDecoderInit failed%s", "");

	for (s = 0; s < nsyms; s++) {
		u64 off, end, next = t.start + t.size;
		size_t k;

		if (!is_func(syms[s].type))
			continue;
		/* a function ends where the next symbol (any type) starts */
		for (k = s + 1; k < nsyms; k++) {
			if (syms[k].addr > syms[s].addr) {
				next = syms[k].addr;
				break;
			}
		}
		/* several names at one address: sweep it once */
		if (s + 1 < nsyms && syms[s + 1].addr == syms[s].addr &&
		    is_func(syms[s + 1].type))
			continue;
		off = syms[s].addr - t.start;
		end = next - t.start;
		after_zf = -1;
		while (off < end) {
			const u8 *p = t.code + off;
			size_t avail = t.size - off;
			ZydisDecodedInstruction zi;
			ZydisDecoderContext ctx;
			struct ng_insn in, in15;
			char bytes[64], otext[128];
			int ours, zl, ol;

			memset(&in, 0, sizeof(in));	/* padding, for memcmp */
			memset(&in15, 0, sizeof(in15));
			ours = ng_insn_decode(&in, p, avail);
			/*
			 * Our own paths must agree: length only, and the
			 * careful path for short buffers (15 bytes here).
			 */
			if (ng_insn_len(p, avail) != ours ||
			    ng_insn_decode(&in15, p, avail < 15 ? avail : 15) != ours ||
			    (ours > 0 && memcmp(&in, &in15, sizeof(in)))) {
				hex(bytes, p, avail < 15 ? avail : 15);
				printf("mismatch: %s+%#" PRIx64 ": %s: decode %d, len %d, decode(15) %d\n",
				       syms[s].name, off + t.start - syms[s].addr,
				       bytes, ours, ng_insn_len(p, avail),
				       ng_insn_decode(&in15, p, avail < 15 ? avail : 15));
				nmis++;
				break;
			}
			zl = ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&dec,
					&ctx, p, avail, &zi)) ? zi.length : -1;
			if (zl > 0) {
				ninsn++;
				nint3 += *p == 0xcc;
				if (ours == zl) {
					char why[64];
					const char *d = field_diff(&in, &zi, p,
								   why, sizeof(why));

					if (d) {
						nfield++;
						if (nfield <= MAX_PRINT || !quiet) {
							hex(bytes, p, ours);
							printf("field-mismatch: %s+%#" PRIx64 ": %s: %s\n",
							       syms[s].name,
							       off + t.start - syms[s].addr,
							       bytes, d);
						}
					}
					off += ours;
					if (after_zf >= 0)
						after_zf++;
					continue;
				}
				nmis++;
				if (nmis <= MAX_PRINT || !quiet) {
					hex(bytes, p, avail < 15 ? avail : 15);
					printf("mismatch: %s+%#" PRIx64 ": %s: ours %d, zydis %d\n",
					       syms[s].name,
					       off + t.start - syms[s].addr,
					       bytes, ours, zl);
				}
				after_zf = -1;
				break;	/* resync at the next symbol */
			}
			nzf++;
			ol = objdump_len(p, avail < 15 ? avail : 15, otext,
					 sizeof(otext));
			if ((ours < 0 && ol == -1) || ours == ol)
				nagree++;
			if (nzf <= MAX_PRINT || !quiet) {
				const char *nw = newer_than_oracles(p,
						avail < 15 ? avail : 15);

				hex(bytes, p, ours > 0 ? (size_t)ours :
				    avail < 15 ? avail : 15);
				printf("zydis-failure: %s+%#" PRIx64 ": %s: ours %d, objdump %d (%s)%s%s\n",
				       syms[s].name, off + t.start - syms[s].addr,
				       bytes, ours, ol, otext,
				       nw ? "; newer than both oracles: " : "",
				       nw ? nw : "");
			}
			if (ours < 0)
				break;	/* resync at the next symbol */
			ninsn++;
			off += ours;
			after_zf = 0;
		}
		/*
		 * After a Zydis failure that we decoded, the rest of the sweep
		 * is evidence for our length: say how far Zydis agreed.
		 */
		if (after_zf >= 0) {
			stop = (long)(off - end);
			if (!stop)
				printf("  after it: %ld more insns agree with zydis, the sweep ends exactly at the next symbol\n",
				       after_zf);
			else
				printf("  after it: %ld more insns agree with zydis, the sweep ends %ld bytes past the next symbol\n",
				       after_zf, stop);
		}
	}
	printf("insn-oracle: %s: %" PRIu64 " insns, %" PRIu64 " mismatches, %"
	       PRIu64 " zydis-failures (objdump agrees with us on %" PRIu64 ")\n",
	       abi, ninsn, nmis, nzf, nagree);
	printf("insn-oracle: %s: %" PRIu64 " field mismatches (modrm, sib, disp, imm, rel, kind vs zydis); %" PRIu64 " of the insns are int3 (padding)\n",
	       abi, nfield, nint3);
	free(syms);
	return nmis || nfield ? 1 : 0;
}
