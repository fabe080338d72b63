// SPDX-License-Identifier: GPL-2.0-or-later
/* Signals and time for the commands that run long: unmerges and daemons. */
#include <errno.h>
#include <signal.h>
#include <time.h>

#include "ksmctl.h"

volatile sig_atomic_t ksm_stop;

static void on_stop_signal(int sig)
{
	(void)sig;
	ksm_stop = 1;
}

void ksm_catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	/* no SA_RESTART: a blocking wait must return and look at ksm_stop */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

long long ksm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int ksm_wait_signal(const sigset_t *set, long long deadline)
{
	for (;;) {
		long long left = deadline - ksm_now_ms();
		struct timespec ts;
		int sig;

		if (left <= 0)
			return 0;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		sig = sigtimedwait(set, NULL, &ts);
		if (sig > 0)
			return sig;
		if (errno == EAGAIN)
			return 0;
	}
}

