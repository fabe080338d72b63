/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the files of one process say, as pure parsers: /proc/PID/ksm_stat
 * (and ksm_merging_pages) into figures, the verdict on those figures,
 * and the few other lines ksmctl reads from /proc/PID/stat, status and
 * smaps_rollup.  Text in, figures out: no I/O, so the scans above
 * (procs.h, committed.h, ksmd.h) and the fuzzers share them.
 *
 * The kernel reports KSM use per process in /proc/PID/ksm_merging_pages
 * (5.19) and /proc/PID/ksm_stat (6.1, fields added up to 6.15).  Fields
 * are parsed by name and unknown lines are ignored, so a kernel that adds
 * a field (ksm_cow_pages, proposed by this project) needs no new parser.
 */
#ifndef KSMCTL_PROCSTAT_H
#define KSMCTL_PROCSTAT_H

#include <stdbool.h>
#include <stddef.h>

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
	KSM_VERDICT_WASTE,	/* "waste": not worth scanning */
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
/* "ok", "waste" (one short word in every view: a column of 80 has no
 * room for "not worth scanning"), "" without a verdict. */
const char *ksm_verdict_text(enum ksm_verdict v);

/*
 * The order of verdicts in a sort, worst first: "waste",
 * then ok, then no verdict.  One ranking for every view that sorts by it.
 */
int ksm_verdict_rank(enum ksm_verdict v);

/* The effective uid from the text of /proc/PID/status ("Uid:" line). */
int ksm_status_euid(const char *text, unsigned int *uid);

/* "VmRSS:   1234 kB" of status text, in bytes; -ENODATA if absent
 * (kernel threads, zombies). */
int ksm_status_rss(const char *text, unsigned long long *bytes);
/* "Pss:   1234 kB" of smaps_rollup text, in bytes; -ENODATA if absent. */
int ksm_smaps_rollup_pss(const char *text, unsigned long long *bytes);

/*
 * The areas of /proc/PID/smaps KSM may merge: those with "mg" in their
 * VmFlags (VM_MERGEABLE: madvise(MADV_MERGEABLE), or the whole process
 * by prctl(PR_SET_MEMORY_MERGE)), with their "KSM:" line where the
 * kernel has one (the pages of the area KSM merged).  smaps is read line
 * by line (it can run to megabytes): each line is fed to the parser.
 */
struct ksm_area {
	unsigned long long start, end;	/* addresses */
	unsigned long long rss_kb;	/* "Rss:" */
	unsigned long long ksm_kb;	/* "KSM:", when has_ksm */
	bool has_ksm;
	char perms[5];			/* "rw-p" */
	char name[112];			/* file, [heap], [stack]; "" anonymous */
};

/* Mergeable areas kept for a view; the sums count them all. */
#define KSM_AREAS_MAX 1024

struct ksm_areas {
	struct ksm_area *v;		/* mergeable areas, in smaps' order */
	size_t n, cap;
	size_t total;			/* every area of smaps */
	size_t mergeable;		/* areas with "mg", kept or not */
	unsigned long long size_kb, rss_kb, ksm_kb;	/* their sums */
	bool has_ksm;			/* the kernel reports "KSM:" lines */
	/* the area being read */
	struct ksm_area cur;
	bool in_area;
};

void ksm_areas_init(struct ksm_areas *a);
/*
 * One line of smaps text, without its newline.  An area's header line
 * ("7f00-7f80 rw-p 0 00:00 0  [heap]") starts it, its "VmFlags:" line
 * (the last of each area) ends it.  Other lines are ignored, so a kernel
 * that adds fields needs nothing new.  0, or -ENOMEM.
 */
int ksm_areas_line(struct ksm_areas *a, const char *line);
void ksm_areas_free(struct ksm_areas *a);

/* PF_KTHREAD in the flags field of /proc/PID/stat (include/linux/sched.h). */
#define KSM_PF_KTHREAD 0x00200000UL

/* What ksmctl needs from the text of /proc/PID/stat. */
struct ksm_task_stat {
	char comm[64];		/* kernel threads' names may pass 16 */
	unsigned long flags;
	bool have_times;	/* utime and stime were there */
	unsigned long long utime, stime;	/* clock ticks */
};

/*
 * Parse /proc/PID/stat: the name and the flags, and the CPU times when
 * the text goes on that far (a recorded sysroot may stop after the
 * flags).  comm may hold spaces and parentheses, so the fields are
 * counted from the last ')'; a longer name is cut.  0 or -EINVAL.
 */
int ksm_task_stat_parse(const char *text, struct ksm_task_stat *st);

#endif
