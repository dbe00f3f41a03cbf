// SPDX-License-Identifier: GPL-2.0
/*
 * churn - what must never look like a hidden process, for a while
 * (tests/lab/l2/churn.sh): short-lived children, half of them reaped by
 * the kernel itself as they exit (SIGCHLD ignored: release_task() unlinks
 * them from the task list while they still run their last steps), each
 * with a thread of its own; threads of this process that come and go, and
 * one that runs all along. Ends with
 *
 *	@@CHURN@@ forks=N threads=M seconds=S
 *
 * `churn [SECONDS]`, 1 to 60 (10). Built static by tests/lab/build.sh.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int stop;

static void spin(long usec)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000000L +
	       (t.tv_nsec - t0.tv_nsec) / 1000 < usec);
}

static void *short_thread(void *arg)
{
	spin((long)arg);
	return NULL;
}

static void *long_thread(void *arg)
{
	struct timespec ms = { 0, 1000000 };

	(void)arg;
	while (!stop) {
		spin(200);
		nanosleep(&ms, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long forks = 0, threads = 0;
	int secs = argc > 1 ? atoi(argv[1]) : 10;
	struct timespec pause = { 0, 5000000 };
	pthread_t lt, st;
	time_t end;

	if (secs < 1 || secs > 60)
		secs = 10;
	if (pthread_create(&lt, NULL, long_thread, NULL))
		return 1;
	end = time(NULL) + secs;
	while (time(NULL) < end) {
		pid_t p;

		signal(SIGCHLD, forks & 1 ? SIG_IGN : SIG_DFL);
		p = fork();
		if (p == 0) {
			if (!pthread_create(&st, NULL, short_thread,
					    (void *)500L))
				pthread_join(st, NULL);
			spin(300);
			_exit(0);
		}
		if (p > 0) {
			forks++;
			if (!(forks & 1))
				waitpid(p, NULL, 0);
		}
		if (!pthread_create(&st, NULL, short_thread, (void *)200L)) {
			pthread_join(st, NULL);
			threads++;
		}
		/*
		 * 5 ms every 4 forks: about 60 forks/s. At 4x that pace L2
		 * crashed in 2 of 20 runs with nogap.ko attached; the lab's
		 * emulator delivering an interrupt twice explained one kind
		 * (tests/lab/l1mod/tcgfix.c), and L1 or L2 still die now and
		 * then under load with or without our breakpoints
		 * (docs/results.md).
		 */
		if (!(forks % 4))
			nanosleep(&pause, NULL);
	}
	stop = 1;
	pthread_join(lt, NULL);
	signal(SIGCHLD, SIG_DFL);
	while (wait(NULL) > 0)
		;
	printf("@@CHURN@@ forks=%lu threads=%lu seconds=%d\n", forks, threads,
	       secs);
	return 0;
}
