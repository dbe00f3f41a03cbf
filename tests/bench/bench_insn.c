// SPDX-License-Identifier: GPL-2.0
/*
 * bench_insn - x86-64 decoder throughput over a whole kernel's text.
 *
 *   bench_insn [-r ROUNDS] VMLINUX SYSTEM.MAP [ABI]
 *
 * Every text symbol (t/T/w/W) in .text is a function up to the next symbol;
 * each decoder sweeps every function linearly (on a failure it resyncs at
 * the next function, so a decoder that fails more covers fewer bytes: the
 * table shows its coverage). Each decoder runs ROUNDS times (default 5) and
 * the fastest round is reported. Decoders:
 *
 *   ng_insn_len       ours, length only
 *   ng_insn_decode    ours, all fields
 *   zydis-full        ZydisDecoderDecodeInstruction (64-bit, stack 64)
 *   zydis-minimal     the same with ZYDIS_DECODER_MODE_MINIMAL
 *   capstone          Capstone cs_disasm_iter, CS_OPT_DETAIL off
 *
 * Prints one table: instructions, bytes, ms, MB/s, Minsn/s, and speed
 * relative to zydis-full and zydis-minimal.
 */
#include <Zydis/Zydis.h>
#include <capstone/capstone.h>
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "insn.h"

struct func {
	u64 off, size;		/* within .text */
};

struct kernel {
	const u8 *code;
	u64 start, size;
	struct func *fn;
	size_t nfn;
};

struct result {
	u64 insns, bytes;
	double sec;
};

static void die(const char *msg, const char *arg)
{
	fprintf(stderr, "bench_insn: %s%s\n", msg, arg);
	exit(2);
}

static void load_text(const char *path, struct kernel *k)
{
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	const char *names;
	struct stat st;
	const u8 *m;
	int fd, i;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		die("cannot open ", path);
	m = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
		 fd, 0);
	if (m == MAP_FAILED)
		die("cannot map ", path);
	close(fd);
	eh = (const Elf64_Ehdr *)m;
	if ((size_t)st.st_size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, 4) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (u64)eh->e_shnum * sizeof(*sh) > (u64)st.st_size ||
	    eh->e_shstrndx >= eh->e_shnum)
		die("not a 64-bit ELF: ", path);
	sh = (const Elf64_Shdr *)(m + eh->e_shoff);
	names = (const char *)m + sh[eh->e_shstrndx].sh_offset;
	for (i = 0; i < eh->e_shnum; i++) {
		if (strcmp(names + sh[i].sh_name, ".text") ||
		    sh[i].sh_offset + sh[i].sh_size > (u64)st.st_size)
			continue;
		k->code = m + sh[i].sh_offset;
		k->start = sh[i].sh_addr;
		k->size = sh[i].sh_size;
		return;
	}
	die("no .text in ", path);
}

struct sym {
	u64 addr;
	char type;
};

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int is_func(char t)
{
	return t == 't' || t == 'T' || t == 'w' || t == 'W';
}

static void load_map(const char *path, struct kernel *k)
{
	struct sym *v = NULL, s;
	size_t n = 0, cap = 0, i, j;
	char line[512], name[256];
	FILE *f = fopen(path, "r");

	if (!f)
		die("cannot open ", path);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNx64 " %c %255s", &s.addr, &s.type,
			   name) != 3 ||
		    s.addr < k->start || s.addr >= k->start + k->size)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 65536;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				die("out of memory", "");
		}
		v[n++] = s;
	}
	fclose(f);
	if (!n)
		die("no symbols inside .text in ", path);
	qsort(v, n, sizeof(*v), sym_cmp);
	k->fn = calloc(n, sizeof(*k->fn));
	if (!k->fn)
		die("out of memory", "");
	for (i = 0; i < n; i = j) {
		bool fn = false;
		u64 end;

		for (j = i; j < n && v[j].addr == v[i].addr; j++)
			fn |= is_func(v[j].type);
		end = j < n ? v[j].addr : k->start + k->size;
		if (fn) {
			k->fn[k->nfn].off = v[i].addr - k->start;
			k->fn[k->nfn].size = end - v[i].addr;
			k->nfn++;
		}
	}
	free(v);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * One sweep with decoder STEP: a statement that sets `n` (length, <= 0 on
 * failure) for the bytes at p (avail bytes to the end of .text).
 */
#define SWEEP(k, res, STEP) do {					\
	u64 _insns = 0, _bytes = 0;					\
	double _t0 = now();						\
	for (size_t _f = 0; _f < (k)->nfn; _f++) {			\
		u64 _off = (k)->fn[_f].off;				\
		const u64 _end = _off + (k)->fn[_f].size;		\
		while (_off < _end) {					\
			const u8 *p = (k)->code + _off;			\
			const size_t avail = (k)->size - _off;		\
			int n;						\
			STEP;						\
			if (n <= 0)					\
				break;					\
			_off += n;					\
			_bytes += n;					\
			_insns++;					\
		}							\
	}								\
	(res)->sec = now() - _t0;					\
	(res)->insns = _insns;						\
	(res)->bytes = _bytes;						\
} while (0)

static void best(struct result *b, const struct result *r)
{
	if (!b->sec || r->sec < b->sec)
		*b = *r;
}

int main(int argc, char **argv)
{
	enum { OURS_LEN, OURS_DEC, ZY_FULL, ZY_MIN, CAPSTONE, NDEC };
	static const char *const name[NDEC] = {
		"ng_insn_len", "ng_insn_decode", "zydis-full",
		"zydis-minimal", "capstone",
	};
	struct result res[NDEC] = { 0 }, r;
	ZydisDecoder zfull, zmin;
	int rounds = 5, a = 1, i, d;
	const char *abi;
	struct kernel k = { 0 };
	u64 textbytes = 0;
	size_t f;
	csh cs;

	if (a + 1 < argc && !strcmp(argv[a], "-r")) {
		rounds = atoi(argv[a + 1]);
		a += 2;
	}
	if (argc - a < 2 || argc - a > 3 || rounds < 1) {
		fprintf(stderr,
			"usage: bench_insn [-r ROUNDS] VMLINUX SYSTEM.MAP [ABI]\n");
		return 2;
	}
	abi = argc - a == 3 ? argv[a + 2] : argv[a];
	load_text(argv[a], &k);
	load_map(argv[a + 1], &k);
	for (f = 0; f < k.nfn; f++)
		textbytes += k.fn[f].size;

	ZydisDecoderInit(&zfull, ZYDIS_MACHINE_MODE_LONG_64,
			 ZYDIS_STACK_WIDTH_64);
	ZydisDecoderInit(&zmin, ZYDIS_MACHINE_MODE_LONG_64,
			 ZYDIS_STACK_WIDTH_64);
	if (ZYAN_FAILED(ZydisDecoderEnableMode(&zmin,
			ZYDIS_DECODER_MODE_MINIMAL, ZYAN_TRUE)))
		die("cannot enable ZYDIS_DECODER_MODE_MINIMAL", "");
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		die("cs_open failed", "");
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_OFF);

	for (i = 0; i < rounds; i++) {
		for (d = 0; d < NDEC; d++) {
			switch (d) {
			case OURS_LEN:
				SWEEP(&k, &r, n = ng_insn_len(p, avail));
				break;
			case OURS_DEC: {
				struct ng_insn in;

				SWEEP(&k, &r, n = ng_insn_decode(&in, p, avail);
				      __asm__ volatile("" : : "r"(&in) : "memory"));
				break;
			}
			case ZY_FULL:
			case ZY_MIN: {
				const ZydisDecoder *z = d == ZY_FULL ? &zfull : &zmin;
				ZydisDecodedInstruction zi;
				ZydisDecoderContext ctx;

				SWEEP(&k, &r,
				      n = ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(
					      z, &ctx, p, avail, &zi)) ?
					      zi.length : -1);
				break;
			}
			case CAPSTONE: {
				cs_insn *ci = cs_malloc(cs);

				SWEEP(&k, &r, {
					const u8 *cp = p;
					size_t cn = avail < 16 ? avail : 16;
					u64 addr = k.start + (u64)(p - k.code);

					n = cs_disasm_iter(cs, &cp, &cn, &addr, ci) ?
					    (int)ci->size : -1;
				});
				cs_free(ci, 1);
				break;
			}
			}
			best(&res[d], &r);
		}
	}

	printf("bench_insn: %s: %zu functions, %.1f MB of function text, best of %d rounds\n",
	       abi, k.nfn, textbytes / 1e6, rounds);
	printf("%-16s %10s %8s %9s %8s %8s %8s %10s %10s\n", "decoder",
	       "insns", "cover%", "ms", "MB/s", "Minsn/s", "ns/insn",
	       "x-zy-full", "x-zy-min");
	for (d = 0; d < NDEC; d++) {
		const struct result *x = &res[d];

		printf("%-16s %10" PRIu64 " %8.2f %9.1f %8.1f %8.1f %8.2f %10.2f %10.2f\n",
		       name[d], x->insns, 100.0 * x->bytes / textbytes,
		       x->sec * 1e3, x->bytes / x->sec / 1e6,
		       x->insns / x->sec / 1e6, x->sec * 1e9 / x->insns,
		       (x->bytes / x->sec) / (res[ZY_FULL].bytes / res[ZY_FULL].sec),
		       (x->bytes / x->sec) / (res[ZY_MIN].bytes / res[ZY_MIN].sec));
	}
	cs_close(&cs);
	return 0;
}
