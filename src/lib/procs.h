/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-process KSM figures: parsing /proc/PID/ksm_stat, the scan over
 * /proc, the cgroup -> systemd unit / VM naming, grouping and totals.
 *
 * The kernel reports KSM use per process in /proc/PID/ksm_merging_pages
 * (5.19) and /proc/PID/ksm_stat (6.1, fields added up to 6.15).  Fields
 * are parsed by name and unknown lines are ignored, so a kernel that adds
 * a field (ksm_cow_pages, proposed by this project) needs no new parser.
 *
 * Pure functions, and a scan that never prints: the command layer turns
 * what it returns into tables, JSON or metrics.
 */
#ifndef KSMCTL_PROCS_H
#define KSMCTL_PROCS_H

#include <stdbool.h>
#include <stddef.h>

#include "rootfs.h"
#include "sample.h"

/* One bit per figure the kernel may report; a process's "have" mask. */
enum ksm_pfield {
	KSM_PF_RMAP,		/* ksm_rmap_items (6.1) */
	KSM_PF_ZERO,		/* ksm_zero_pages (6.5) */
	KSM_PF_MERGING,		/* ksm_merging_pages (6.4; own file 5.19) */
	KSM_PF_PROFIT,		/* ksm_process_profit (6.4), signed bytes */
	KSM_PF_MERGE_ANY,	/* ksm_merge_any: (6.15) */
	KSM_PF_MERGEABLE,	/* ksm_mergeable: (6.15) */
	KSM_PF_COW,		/* ksm_cow_pages (proposed) */
	KSM_PF_COUNT
};

#define KSM_PF_BIT(f) (1u << (f))

/* A yes/no the kernel may not report: -1 unknown, 0 no, 1 yes. */
enum ksm_tri { KSM_TRI_UNKNOWN = -1, KSM_TRI_NO = 0, KSM_TRI_YES = 1 };

struct ksm_procstat {
	unsigned int have;		/* KSM_PF_BIT()s the kernel reported */
	unsigned long long rmap_items;
	unsigned long long zero_pages;
	unsigned long long merging_pages;
	unsigned long long cow_pages;
	long long profit;		/* bytes; see profit_computed */
	bool profit_known;		/* read, or computed by ksm_procstat_finish */
	bool profit_computed;		/* from the kernel's formula, not read */
	enum ksm_tri merge_any;
	enum ksm_tri mergeable;
};

/* Kernel version that first reported a field, for "needs Linux X" notes. */
unsigned int ksm_pfield_since(enum ksm_pfield f);
/* The field's name in ksm_stat ("ksm_rmap_items"). */
const char *ksm_pfield_name(enum ksm_pfield f);

/*
 * Parse the text of /proc/PID/ksm_stat.  Fields are found by name, with
 * or without a colon ("ksm_merge_any: yes"); unknown lines are ignored.
 * Returns 0, -ENODATA when the text holds no field at all (a kernel
 * thread or a zombie: the kernel prints nothing without an mm), or
 * -EINVAL when a known field has a value that is not a number / yes|no.
 */
int ksm_procstat_parse(const char *text, struct ksm_procstat *st);

/*
 * Parse /proc/PID/ksm_merging_pages (one number) into st, for 5.19 and
 * 6.0-6.3 kernels.  -ENODATA when empty (kernel thread).
 */
int ksm_procstat_parse_merging(const char *text, struct ksm_procstat *st);

/*
 * Fill in what the kernel did not report but can be derived: the profit
 * from the kernel's own formula, (merging + zero) x page - rmap x
 * KSM_RMAP_ITEM_SIZE, when ksm_stat lacks ksm_process_profit but has
 * both rmap items and merging pages.
 */
void ksm_procstat_finish(struct ksm_procstat *st, long page_size);

/* Has the process anything to do with KSM (the default filter of ps)? */
bool ksm_procstat_involved(const struct ksm_procstat *st);

enum ksm_verdict {
	KSM_VERDICT_NONE,	/* nothing scanned yet, or rmap items unknown */
	KSM_VERDICT_OK,
	KSM_VERDICT_WASTE,	/* "not worth scanning" */
};

/*
 * The kernel docs' rule (admin-guide/mm/ksm.rst): when ksm_rmap_items /
 * ksm_merging_pages exceeds 64 (on 64-bit; 128 on 32-bit) the process's
 * mergeable areas cost more metadata than they save.  64 is the page
 * size over the rmap item size, so the general rule is used.  Pages
 * merged with the zero page (use_zero_pages) save memory too and count
 * as merged here.
 */
enum ksm_verdict ksm_procstat_verdict(const struct ksm_procstat *st,
				      long page_size);
const char *ksm_verdict_text(enum ksm_verdict v);

/* The effective uid from the text of /proc/PID/status ("Uid:" line). */
int ksm_status_euid(const char *text, unsigned int *uid);

/*
 * The cgroup v2 path from the text of /proc/PID/cgroup ("0::/a/b"); on a
 * v1-only system the name=systemd hierarchy.  The path runs to the end
 * of the entry, so a hostile cgroup name holding '\n' is kept whole on a
 * v2 system (the 0:: entry comes last).  Writes "" when there is none.
 */
void ksm_cgroup_path(const char *text, char *out, size_t size);

/*
 * The systemd unit a cgroup path belongs to: the innermost component
 * ending in .service or .scope.  "/system.slice/foo.service" ->
 * "foo.service"; "/user.slice/user-1000.slice/user@1000.service/
 * app.slice/x.scope" -> "x.scope"; docker-ID.scope, libpod-ID.scope and
 * cri-containerd-ID.scope are units like any other.  "" when none.
 */
void ksm_cgroup_unit(const char *path, char *out, size_t size);

/*
 * The libvirt guest name of a machine scope:
 * "machine-qemu\x2d3\x2dguest.scope" -> "guest" (systemd unit escapes
 * are decoded).  "" when the path is not a qemu machine scope.
 */
void ksm_cgroup_vm(const char *path, char *out, size_t size);

/*
 * The guest name from a qemu command line (NUL-separated arguments, len
 * bytes): "-name guest=NAME,debug-threads=on" or "-name NAME[,...]"
 * (",," is an escaped comma).  "" when there is none.
 */
void ksm_cmdline_vm(const char *cmdline, size_t len, char *out, size_t size);

/* Decode systemd unit-name escapes ("\x2d" -> '-') in place. */
void ksm_unit_unescape(char *s);

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
	char *pool;
	size_t pool_len, pool_cap;
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

/* A pool string ("" for offset 0). */
static inline const char *ksm_procs_str(const struct ksm_procs *p, size_t off)
{
	return p->pool + off;
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

#endif
