/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unmerging everything (run=2) safely.
 *
 * The write of 2 to run is synchronous: the writer's own write() walks
 * every mergeable area and breaks every KSM page, needing one new page
 * per sharing mapping at once, and the kernel makes the writer the
 * preferred OOM victim.  So: estimate first, refuse what does not fit,
 * and write from a child process, so that an OOM kill takes the child
 * and the ksmctl the user watches can still report what happened.
 */
#ifndef KSMCTL_UNMERGE_H
#define KSMCTL_UNMERGE_H

#include <signal.h>
#include <stdbool.h>

#include "rootfs.h"
#include "sample.h"

struct ksm_unmerge_estimate {
	unsigned long long need_bytes;		/* (sharing + zero) x page */
	unsigned long long available_bytes;	/* MemAvailable */
	unsigned long long margin_bytes;	/* kept free on top */
	unsigned long long swap_free_bytes;	/* reported, not counted */
	bool known;				/* meminfo was readable */
	/*
	 * The counters were readable: false when pages_sharing or
	 * ksm_zero_pages is there but unknown (need_why says which and what
	 * it held); then nothing fits, as with unknown memory.
	 */
	bool need_known;
	char need_why[300];
	bool fits;
};

/*
 * The memory check.  Swap is not counted as room: unmerging into swap
 * thrashes the host, which is the outcome this check exists to avoid.
 */
void ksm_unmerge_estimate(const struct ksm_sample *s,
			  struct ksm_unmerge_estimate *e);

/* Pages an unmerge still has to break: pages_sharing + ksm_zero_pages. */
unsigned long long ksm_unmerge_remaining(const struct ksm_sample *s);

/* Called about ten times a second while the child writes. */
typedef void (*ksm_unmerge_progress_fn)(const struct ksm_sample *now,
					double elapsed, void *data);

struct ksm_unmerge_result {
	int write_err;		/* the child's write(): 0, -EINTR, -ENOMEM ... */
	int killed_by;		/* the signal that killed the child, or 0 */
	bool interrupted;	/* *stop was raised while it ran */
	double seconds;
};

/*
 * Write run=2 from a child process and wait for it, sampling the counters
 * for progress.  When *stop becomes non-zero (the caller's SIGINT
 * handler), SIGINT is passed to the child so the kernel stops the unmerge.
 * Returns 0 when the child ran (see res for how it ended), -errno when
 * it could not be started.
 */
int ksm_unmerge_run(const struct ksm_root *root,
		    volatile sig_atomic_t *stop,
		    ksm_unmerge_progress_fn progress, void *data,
		    struct ksm_unmerge_result *res);

/*
 * Wait until pages_shared, stable_node_chains and stable_node_dups read
 * 0, as merge_across_nodes and max_page_sharing require.  -ETIMEDOUT
 * after timeout_ms, -EINTR when *stop is raised; *last holds the last
 * sample read.
 */
int ksm_wait_drained(const struct ksm_root *root, long timeout_ms,
		     volatile sig_atomic_t *stop, struct ksm_sample *last);

#endif
