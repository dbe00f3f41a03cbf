// SPDX-License-Identifier: GPL-2.0
/*
 * insn-oracle - compare our x86-64 decoder with Zydis over a real kernel.
 *
 *   insn-oracle [-q] VMLINUX SYSTEM.MAP [ABI]
 *
 * Every text symbol (t/T/w/W) of System.map that lies in the ELF's .text is
 * a function, from its address to the next symbol's. Each function is swept
 * linearly; at every instruction our length is compared with Zydis 4's
 * (ZydisDecoderDecodeInstruction, 64-bit mode, full decode). The decoders
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
	u64 ninsn = 0, nmis = 0, nzf = 0, nagree = 0;
	const char *abi, *elf, *map;
	ZydisDecoder dec;
	struct text t;
	struct sym *syms;
	size_t nsyms, s;
	int quiet = 0, a = 1;

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
		while (off < end) {
			const u8 *p = t.code + off;
			size_t avail = t.size - off;
			ZydisDecodedInstruction zi;
			ZydisDecoderContext ctx;
			struct ng_insn in;
			char bytes[64], otext[128];
			int ours, zl, ol;

			ours = ng_insn_decode(&in, p, avail);
			if (ours > 0 && ng_insn_len(p, avail) != ours) {
				hex(bytes, p, ours);
				printf("mismatch: %s+%#" PRIx64 ": %s: len %d, decode %d\n",
				       syms[s].name, off + t.start - syms[s].addr,
				       bytes, ng_insn_len(p, avail), ours);
				nmis++;
				break;
			}
			zl = ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&dec,
					&ctx, p, avail, &zi)) ? zi.length : -1;
			if (zl > 0) {
				ninsn++;
				if (ours == zl) {
					off += ours;
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
				break;	/* resync at the next symbol */
			}
			nzf++;
			ol = objdump_len(p, avail < 15 ? avail : 15, otext,
					 sizeof(otext));
			if ((ours < 0 && ol == -1) || ours == ol)
				nagree++;
			if (nzf <= MAX_PRINT || !quiet) {
				hex(bytes, p, ours > 0 ? (size_t)ours :
				    avail < 15 ? avail : 15);
				printf("zydis-failure: %s+%#" PRIx64 ": %s: ours %d, objdump %d (%s)\n",
				       syms[s].name, off + t.start - syms[s].addr,
				       bytes, ours, ol, otext);
			}
			if (ours < 0)
				break;	/* resync at the next symbol */
			ninsn++;
			off += ours;
		}
	}
	printf("insn-oracle: %s: %" PRIu64 " insns, %" PRIu64 " mismatches, %"
	       PRIu64 " zydis-failures (objdump agrees with us on %" PRIu64 ")\n",
	       abi, ninsn, nmis, nzf, nagree);
	free(syms);
	return nmis ? 1 : 0;
}
