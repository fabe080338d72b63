/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-process KSM figures: the scan over /proc, grouping and totals.
 * What one process's files say is parsed below this, by the pure
 * parsers of procstat.h and procname.h; the scan reads the files.
 *
 * A scan that never prints: the command layer turns what it returns
 * into tables, JSON or metrics.
 */
#ifndef KSMCTL_PROCS_H
#define KSMCTL_PROCS_H

#include "strpool.h"
#include <stdbool.h>
#include <stddef.h>

#include "procname.h"
#include "procstat.h"
#include "rootfs.h"
#include "sample.h"

/* One process as the scan kept it.  Strings are offsets into the pool. */
struct ksm_proc {
	int pid;
	unsigned int uid;
	bool has_uid;
	struct ksm_procstat st;
	size_t comm, user, cgroup, unit, vm;
};

/* Which text fields to read: only what the output shows costs time. */
enum {
	KSM_NEED_COMM = 1 << 0,
	KSM_NEED_UID = 1 << 1,		/* also fills user (the name) */
	KSM_NEED_CGROUP = 1 << 2,	/* cgroup and unit */
	KSM_NEED_VM = 1 << 3,		/* reads cmdline of qemu processes */
};

struct ksm_scan_opts {
	long page_size;
	unsigned int need;		/* KSM_NEED_* */
	bool all;			/* keep processes without KSM use */
	bool by_uid;			/* keep only processes of uid */
	unsigned int uid;
	/* Only these pids (kept even without KSM use); NULL: all. */
	const int *pids;
	size_t npids;
	/* Per requested pid: 0 kept, -ESRCH gone, -ENODATA kernel
	 * thread, -EACCES, other -errno; npids entries, may be NULL. */
	int *pid_err;
	/*
	 * Keep listed pids only when they use KSM, as in a scan of all
	 * (top's partial rescans); their pid_err is 0 either way.
	 */
	bool filter_pids;
};

struct ksm_procs {
	struct ksm_proc *v;
	size_t n, cap;
	struct ksm_strpool pool;	/* names; offset 0 is "" */
	/* What the scan met on its way. */
	size_t seen;		/* pid directories looked at */
	size_t read_ok;		/* processes whose figures were read */
	size_t kthreads;	/* empty ksm_stat: kernel threads, zombies */
	size_t vanished;	/* exited while we read them */
	size_t denied;		/* EACCES / EPERM */
	size_t failed;		/* other errors */
	int failed_err;		/* the first of those, -errno */
	char failed_path[64];	/* and where */
	unsigned int have;	/* KSM_PF_BIT()s reported by any process */
	bool no_files;		/* the kernel has no per-process files */
	/* uid -> user name cache: offsets into the pool */
	struct { unsigned int uid; size_t name; } *users;
	size_t nusers, users_cap;
};

/*
 * Scan proc/ below the root (or the requested pids).  Processes that exit
 * meanwhile are skipped silently; those we may not read are counted in
 * denied.  Returns 0, -ENOMEM, or the error of opening proc/.
 */
int ksm_procs_scan(const struct ksm_root *root, const struct ksm_scan_opts *o,
		   struct ksm_procs *out);
void ksm_procs_free(struct ksm_procs *p);

/*
 * One process's mergeable areas, from proc/PID/smaps below the root, read
 * line by line (a large process's smaps runs to megabytes) into the pure
 * parser of procstat.h.  *out is initialised here; free it with
 * ksm_areas_free() whatever the result.  0, -ENOMEM, or the error of
 * opening or reading it (-ENOENT gone, -EACCES, -EINVAL not a regular
 * file).
 */
int ksm_proc_areas(const struct ksm_root *root, int pid,
		   struct ksm_areas *out);

/* A pool string ("" for offset 0). */
static inline const char *ksm_procs_str(const struct ksm_procs *p, size_t off)
{
	return ksm_strpool_at(&p->pool, off);
}

/* Fields a process of this kernel would report but none did (have mask
 * complement over the standard fields; COW is not standard). */
unsigned int ksm_procs_missing(const struct ksm_procs *p);

enum ksm_group_by {
	KSM_BY_NONE,
	KSM_BY_CGROUP,
	KSM_BY_UNIT,
	KSM_BY_VM,
	KSM_BY_USER,
	KSM_BY_COMM,
};

/* "cgroup" -> KSM_BY_CGROUP; KSM_BY_NONE when unknown. */
enum ksm_group_by ksm_group_by_parse(const char *name);
const char *ksm_group_by_name(enum ksm_group_by by);
/* The scan needs of a grouping. */
unsigned int ksm_group_by_need(enum ksm_group_by by);

/* Summed figures of a set of processes. */
struct ksm_psum {
	size_t key;		/* pool offset of the group's name */
	size_t procs;
	struct ksm_procstat st;	/* sums; have = fields every member had */
	size_t merge_any;	/* members with merge_any yes */
	size_t mergeable;	/* members with mergeable yes */
};

void ksm_psum_add(struct ksm_psum *sum, const struct ksm_proc *p);

/* Sum every process the scan kept. */
void ksm_procs_total(const struct ksm_procs *p, struct ksm_psum *total);

/*
 * One ksm_psum per distinct key, in key order.  *out is malloc'ed (free
 * it); the keys point into p's pool.  -ENOMEM or 0.
 */
int ksm_procs_group(const struct ksm_procs *p, enum ksm_group_by by,
		    struct ksm_psum **out, size_t *n);

/*
 * The system-wide figures in the same terms as a process's, from the
 * global counters: merging = pages_shared + pages_sharing (every mapping
 * of a KSM page is some process's merging page), zero = ksm_zero_pages,
 * rmap = all rmap items, profit = general_profit.  Summed over every
 * process, merging, zero and rmap match these; the profits sum to
 * general_profit + pages_shared x page size, because each process counts
 * the KSM page it maps as its own saving.
 */
void ksm_system_stat(const struct ksm_sample *s, struct ksm_procstat *st);

/*
 * A process's (or group's) part of everything KSM merged: (merging +
 * zero) over the system's (merging + zero), in percent.  NAN when the
 * system has nothing merged.
 */
double ksm_share_pct(const struct ksm_procstat *st,
		     const struct ksm_procstat *system);

/*
 * Do the processes a scan saw leave much of what KSM merged unexplained?
 * Summed over every process, merging and zero pages match the system's
 * counters; what no process accounts for is mapped by processes this
 * scan cannot see: in other PID namespaces (a container's ksmctl),
 * unreadable (not root), or exited since.  "Much": the processes hold
 * less than KSM_SEEN_MIN_PCT percent of the system's merged pages, and
 * at least KSM_SEEN_MIN_GAP pages are missing, so that a few pages
 * merged or freed between reading the counters and the processes say
 * nothing.  True with the processes' share in *pct; false when they
 * account for it, or when either side is not known.
 */
#define KSM_SEEN_MIN_PCT 90.0
#define KSM_SEEN_MIN_GAP 256ULL
bool ksm_procs_unexplained(const struct ksm_procstat *seen,
			   const struct ksm_procstat *system, double *pct);

#endif
