/* SPDX-License-Identifier: GPL-2.0 */
/* kallsyms.h - parse a /proc/kallsyms text (reference boots, scoring). */
#ifndef NG_KALLSYMS_H
#define NG_KALLSYMS_H

#include "ng_env.h"

struct ng_ksym {
	u64 addr;
	char type;		/* as printed: t T w W d D b B r R a A ... */
	const char *name;	/* points into ng_kallsyms.strings */
};

struct ng_kallsyms {
	struct ng_ksym *syms;	/* core kernel symbols only (no [module]), sorted by addr, stable */
	size_t nsyms;
	char *strings;
};

/*
 * Load a kallsyms file. Lines with a [module] suffix are skipped. Errors
 * (unreadable, no symbols, malformed line, all-zero addresses as printed
 * under kptr_restrict) return a negative errno with a one-line reason in err,
 * e.g. "kallsyms.txt:17: bad address".
 */
int ng_kallsyms_load(struct ng_kallsyms *ks, const char *path, char *err, size_t errlen);
void ng_kallsyms_free(struct ng_kallsyms *ks);

static inline bool ng_ksym_is_text(char t)
{
	return t == 't' || t == 'T' || t == 'w' || t == 'W';
}

#endif /* NG_KALLSYMS_H */
