// SPDX-License-Identifier: GPL-2.0-or-later
#include "unmerge.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "units.h"

#define POLL_MS 100
/* Kept free after the unmerge: 5% of RAM, at least 128 MiB. */
#define MARGIN_MIN (128ULL << 20)
#define MARGIN_PERCENT 5

unsigned long long ksm_unmerge_remaining(const struct ksm_sample *s)
{
	long long zero = ksm_s(s, KSM_ZERO_PAGES);

	return ksm_sat_add(ksm_u(s, KSM_PAGES_SHARING),
			   zero > 0 ? (unsigned long long)zero : 0);
}

void ksm_unmerge_estimate(const struct ksm_sample *s,
			  struct ksm_unmerge_estimate *e)
{
	unsigned long long total = s->mem.bytes[MEM_TOTAL];

	memset(e, 0, sizeof(*e));
	e->need_bytes = ksm_pages_bytes(ksm_unmerge_remaining(s), s->page_size);
	e->known = s->has_meminfo && s->mem.present[MEM_AVAILABLE];
	e->available_bytes = s->mem.bytes[MEM_AVAILABLE];
	e->swap_free_bytes = s->mem.bytes[MEM_SWAP_FREE];
	e->margin_bytes = total / 100 * MARGIN_PERCENT;
	if (e->margin_bytes < MARGIN_MIN)
		e->margin_bytes = MARGIN_MIN;
	e->need_known = !KSM_NEED(s, NULL, e->need_why, sizeof(e->need_why),
				  KSM_PAGES_SHARING, KSM_ZERO_PAGES);
	/* Nothing to unmerge always fits; unknown memory never does, nor
	 * an unknown need. */
	e->fits = e->need_known &&
		  (e->need_bytes == 0 ||
		   (e->known && ksm_sat_add(e->need_bytes, e->margin_bytes) <=
				e->available_bytes));
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)ksm_elapsed_ns(start, &now) / 1e9;
}

/* The child: one write, its errno sent back through the pipe. */
static void __attribute__((noreturn))
unmerge_child(const struct ksm_root *root, int pipefd)
{
	char path[128];
	int err;

	/* Ctrl-C must stop the kernel's walk: default disposition. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	ksm_knob_path(&ksm_knobs[KSM_RUN], path, sizeof(path));
	err = ksm_root_write(root, path, "2");
	if (write(pipefd, &err, sizeof(err)) != sizeof(err))
		_exit(2);
	_exit(err ? 1 : 0);
}

static void wait_child(pid_t pid, int pipefd, volatile sig_atomic_t *stop,
		       const struct ksm_root *root,
		       ksm_unmerge_progress_fn progress, void *data,
		       struct ksm_unmerge_result *res)
{
	struct pollfd pfd = { .fd = pipefd, .events = POLLIN };
	struct timespec start;
	bool forwarded = false;
	int status, err, n;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct ksm_sample now;

		if (stop && *stop && !forwarded) {
			/* The child may not share our terminal's process group. */
			kill(pid, SIGINT);
			forwarded = true;
			res->interrupted = true;
		}
		n = poll(&pfd, 1, POLL_MS);
		if (n < 0 && errno == EINTR)
			continue;	/* our handler ran: forward, then wait on */
		if (n != 0)
			break;		/* the child's result, or its hang-up */
		if (progress && !ksm_sample_read(root, &now))
			progress(&now, seconds_since(&start), data);
	}
	if (stop && *stop)
		res->interrupted = true;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	res->seconds = seconds_since(&start);
	if (WIFSIGNALED(status)) {
		res->killed_by = WTERMSIG(status);
		/* killed by the signal we forwarded: the kernel stopped it */
		res->write_err = res->killed_by == SIGINT ? -EINTR : 0;
		return;
	}
	if (read(pipefd, &err, sizeof(err)) == sizeof(err))
		res->write_err = err;
	else
		res->write_err = -EIO;
}

int ksm_unmerge_run(const struct ksm_root *root,
		    volatile sig_atomic_t *stop,
		    ksm_unmerge_progress_fn progress, void *data,
		    struct ksm_unmerge_result *res)
{
	int fds[2];
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (pid == 0) {
		close(fds[0]);
		unmerge_child(root, fds[1]);
	}
	close(fds[1]);
	wait_child(pid, fds[0], stop, root, progress, data, res);
	close(fds[0]);
	return 0;
}

/* Unknown is not drained: an unreadable counter is never read as 0. */
static bool drained(const struct ksm_sample *s)
{
	return !KSM_NEED(s, NULL, NULL, 0, KSM_PAGES_SHARED,
			 KSM_STABLE_NODE_CHAINS, KSM_STABLE_NODE_DUPS) &&
	       ksm_u(s, KSM_PAGES_SHARED) == 0 &&
	       ksm_u(s, KSM_STABLE_NODE_CHAINS) == 0 &&
	       ksm_u(s, KSM_STABLE_NODE_DUPS) == 0;
}

int ksm_wait_drained(const struct ksm_root *root, long timeout_ms,
		     volatile sig_atomic_t *stop, struct ksm_sample *last)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		int err = ksm_sample_read(root, last);

		if (err)
			return err;
		if (drained(last))
			return 0;
		if (stop && *stop)
			return -EINTR;
		if (seconds_since(&start) * 1000 >= (double)timeout_ms)
			return -ETIMEDOUT;
		poll(NULL, 0, POLL_MS);
	}
}
