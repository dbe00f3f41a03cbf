// SPDX-License-Identifier: GPL-2.0
/*
 * dropcap - run a command as root without some capabilities (by default
 * CAP_NET_ADMIN), for the lab's permission checks. Built statically on the
 * host by build.sh.
 *
 *   dropcap [-c CAP]... CMD [ARG]...
 *
 * The caller keeps uid 0 and every other capability, so a command refused
 * under dropcap was refused for the missing capability and not for the uid.
 * SECBIT_NOROOT stops exec from giving root its capabilities back; the kept
 * ones go through the ambient set; the dropped ones leave the bounding set.
 */
#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NCAPS	64

static const struct {
	const char *name;
	int num;
} names[] = {
	{ "net_admin", CAP_NET_ADMIN },
	{ "sys_admin", CAP_SYS_ADMIN },
	{ "net_raw", CAP_NET_RAW },
	{ "sys_module", CAP_SYS_MODULE },
};

static int cap_from(const char *s)
{
	char *end;
	long v;
	size_t i;

	if (!strncmp(s, "cap_", 4) || !strncmp(s, "CAP_", 4))
		s += 4;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(s, names[i].name))
			return names[i].num;
	v = strtol(s, &end, 10);
	if (*s && !*end && v >= 0 && v < NCAPS)
		return (int)v;
	return -1;
}

int main(int argc, char **argv)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	unsigned long long drop = 0, perm;
	int i, argi = 1;

	while (argi + 1 < argc && !strcmp(argv[argi], "-c")) {
		int c = cap_from(argv[argi + 1]);

		if (c < 0) {
			fprintf(stderr, "dropcap: unknown capability %s\n",
				argv[argi + 1]);
			return 2;
		}
		drop |= 1ULL << c;
		argi += 2;
	}
	if (argi >= argc) {
		fprintf(stderr, "usage: dropcap [-c CAP]... CMD [ARG]...\n");
		return 2;
	}
	if (!drop)
		drop = 1ULL << CAP_NET_ADMIN;

	if (syscall(SYS_capget, &hdr, data)) {
		perror("dropcap: capget");
		return 1;
	}
	perm = data[0].permitted | (unsigned long long)data[1].permitted << 32;
	perm &= ~drop;

	if (prctl(PR_SET_SECUREBITS,
		  SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
		  SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED)) {
		perror("dropcap: PR_SET_SECUREBITS");
		return 1;
	}
	for (i = 0; i < NCAPS; i++) {
		if (!(drop & (1ULL << i)))
			continue;
		if (prctl(PR_CAPBSET_DROP, i, 0, 0, 0) && errno != EINVAL) {
			perror("dropcap: PR_CAPBSET_DROP");
			return 1;
		}
	}
	data[0].permitted = data[0].effective = data[0].inheritable =
		(__u32)perm;
	data[1].permitted = data[1].effective = data[1].inheritable =
		(__u32)(perm >> 32);
	if (syscall(SYS_capset, &hdr, data)) {
		perror("dropcap: capset");
		return 1;
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (i = 0; i < NCAPS; i++) {
		if (!(perm & (1ULL << i)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, i, 0, 0) &&
		    errno != EINVAL) {
			perror("dropcap: PR_CAP_AMBIENT_RAISE");
			return 1;
		}
	}
	execvp(argv[argi], argv + argi);
	fprintf(stderr, "dropcap: %s: %s\n", argv[argi], strerror(errno));
	return 127;
}
