/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory committed to the processes KSM is there for (qemu guests by
 * default): what ksmtuned computed with pgrep | ps | awk, read straight
 * from /proc with no child process.
 *
 * A process counts when its name (/proc/PID/comm, what pgrep matches)
 * matches the regular expression, or, when asked, when ksmd already
 * tracks pages of it (ksm_rmap_items > 0 in /proc/PID/ksm_stat).  Its
 * size is the PSS from /proc/PID/smaps_rollup (4.14; shared pages are
 * split between their users, so two guests sharing a page count it
 * once), or the RSS from /proc/PID/status as ksmtuned's `ps -o rsz`.
 */
#ifndef KSMCTL_COMMITTED_H
#define KSMCTL_COMMITTED_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "procstat.h"	/* ksm_smaps_rollup_pss(), ksm_status_rss() */
#include "rootfs.h"

struct ksm_committed_opts {
	const regex_t *re;		/* matched against comm; NULL: none */
	bool rss;			/* VmRSS instead of the PSS */
	bool include_ksm_users;
};

struct ksm_committed {
	unsigned long long bytes;
	size_t procs;			/* processes counted */
	size_t by_name;			/* of which matched the name */
	size_t ksm_users;		/* of which only for their KSM use */
	size_t seen;			/* pid directories looked at */
	size_t vanished;		/* exited while we read them */
	size_t denied;			/* EACCES / EPERM: needs privileges */
	size_t rss_fallback;		/* no smaps_rollup (< 4.14): RSS used */
	size_t kthreads;		/* kernel threads, skipped */
};

/*
 * What a scan remembers for the next one: every process it met, by pid
 * and the inode of its /proc directory, and whether it is a kernel
 * thread.  A kernel thread's files are never read again (it will not
 * become a qemu; a new process with the same pid has a new /proc inode),
 * and a known process costs one small read (comm) instead of two.  On a
 * typical host half the pids are kernel threads.  Zero-initialise, and
 * free with ksm_committed_cache_free().
 */
struct ksm_pid_seen {
	unsigned long ino;
	int pid;
	bool kthread;
};

struct ksm_committed_cache {
	struct ksm_pid_seen *v;		/* sorted by pid */
	size_t n;
};

void ksm_committed_cache_free(struct ksm_committed_cache *c);

/*
 * Scan proc/ below the root.  Processes that exit meanwhile, kernel
 * threads and zombies are skipped (counted in vanished when they went
 * away between two reads); those we may not read are counted in denied.
 * cache (NULL: none) is used and updated for the next scan.  Returns 0,
 * or -errno of opening proc/.
 */
int ksm_committed_scan(const struct ksm_root *root,
		       const struct ksm_committed_opts *o,
		       struct ksm_committed_cache *cache,
		       struct ksm_committed *out);

#endif
