// SPDX-License-Identifier: GPL-2.0
/*
 * hiddenhb - the process the lab hides in L2 (tests/lab/l2/hide.sh): one
 * line a second on stdout,
 *
 *	@@HIDDEN-HB@@ pid=PID n=N uptime=SECONDS
 *
 * so that L1 sees whether it still runs once hidden, and stops once
 * killed. A single process (no children), with a comm of its own;
 * bounded to an hour. Built static by tests/lab/build.sh.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	struct timespec one = { 1, 0 }, up;
	char line[128];
	int n, len;

	for (n = 1; n <= 3600; n++) {
		clock_gettime(CLOCK_BOOTTIME, &up);
		len = snprintf(line, sizeof(line),
			       "@@HIDDEN-HB@@ pid=%d n=%d uptime=%ld.%02ld\n",
			       (int)getpid(), n, (long)up.tv_sec,
			       up.tv_nsec / 10000000);
		if (write(1, line, (size_t)len) < 0)
			return 1;
		nanosleep(&one, NULL);
	}
	return 0;
}
