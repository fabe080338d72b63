/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The process scan of a live view (ksmctl top).
 *
 * Reading /proc/PID/ksm_stat costs about 11 us of kernel time per
 * process, and listing /proc about 1.2 us per process: 120 ms and 12 ms
 * for 10,000 processes, 6% of a CPU when repeated every 2 s.  Most
 * processes never use KSM, and a process starts using it only by calling
 * madvise() or prctl() (or by its cgroup's MemoryKSM=), so a live view
 * reads, at each refresh:
 *   - the processes that used KSM at the last look (their figures move),
 *   - the processes it has not seen before, when it lists /proc again
 *     (list: the caller says when, e.g. every 10 s and on demand),
 *   - one share of the others, in turns, so that each of them is read
 *     again within `turns` refreshes.
 * The first refresh lists /proc and reads every process.  What it returns is what
 * ksm_procs_scan() returns: the processes that use KSM, with their names;
 * its denied and failed counts are those of every process as last read,
 * so they do not jump with the share read in a round.
 */
#ifndef KSMCTL_LIVESCAN_H
#define KSMCTL_LIVESCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "proclist.h"
#include "procs.h"
#include "rootfs.h"

enum ksm_live_state {
	KSM_LIVE_IDLE,		/* no KSM use when last read */
	KSM_LIVE_INVOLVED,	/* used KSM when last read */
	KSM_LIVE_DENIED,	/* could not be read: permission */
	KSM_LIVE_FAILED,	/* could not be read: another error */
	KSM_LIVE_GONE,		/* exited since the listing */
};

struct ksm_live {
	/* pids of /proc, ascending; state: enum ksm_live_state */
	struct ksm_pid_dir *v;
	size_t n, cap;
	unsigned long round;		/* refreshes so far */
	bool listed;			/* v holds a listing of /proc */
	size_t last_read;		/* processes read by the last refresh */
	size_t gone;			/* listed, and exited since */
	int *want;			/* scratch: the pids to read */
	int *want_err;			/* and how reading them went */
	size_t want_cap;
};

void ksm_live_init(struct ksm_live *l);
void ksm_live_free(struct ksm_live *l);

/*
 * One refresh: list proc/ when list is true (always the first time),
 * read what this round needs (see above) with the needs and filters of o
 * (its pids must be NULL), and fill out as ksm_procs_scan() does.
 * turns >= 1; 1 reads every process every time.  Returns 0, -ENOMEM, or
 * the error of opening proc/.
 */
int ksm_live_scan(const struct ksm_root *root, struct ksm_live *l,
		  const struct ksm_scan_opts *o, unsigned int turns, bool list,
		  struct ksm_procs *out);

/* Processes in /proc: those of the last listing still there. */
static inline size_t ksm_live_count(const struct ksm_live *l)
{
	return l->n - l->gone;
}

/*
 * Is pid read in this round?  Those that used KSM, new ones (is_new),
 * and every turns-th of the others, chosen by pid so that each comes
 * round once in turns refreshes.
 */
bool ksm_live_due(int pid, bool involved, bool is_new, unsigned long round,
		  unsigned int turns);

#endif
