/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The columns of a process view, one table for `ksmctl ps` and `ksmctl
 * top`: for each column its name, help, JSON type, widths, alignment,
 * what the scan must read for it, whether it exists in grouped views,
 * and how rows compare by it.  `ps -o`, `ps --sort`, `top --sort`, top's
 * sort keys, `ps --help`'s column list and the JSON types all come from
 * here.  Pure data and comparisons: each command renders the cells its
 * own way (libsmartcols for ps, a fixed screen for top).
 */
#ifndef KSMCTL_PCOLS_H
#define KSMCTL_PCOLS_H

#include <stdbool.h>
#include <stddef.h>

#include "procs.h"

enum ksm_pcol {
	KSM_PCOL_PID,
	KSM_PCOL_USER,
	KSM_PCOL_UID,
	KSM_PCOL_COMM,
	KSM_PCOL_PROCS,
	KSM_PCOL_MERGING,
	KSM_PCOL_ZERO,
	KSM_PCOL_RMAP,
	KSM_PCOL_PROFIT,
	KSM_PCOL_SHARE,
	KSM_PCOL_VERDICT,
	KSM_PCOL_MERGE_ANY,
	KSM_PCOL_MERGEABLE,
	KSM_PCOL_COW,
	KSM_PCOL_UNIT,
	KSM_PCOL_VM,
	KSM_PCOL_CGROUP,
	KSM_PCOL_COUNT
};

/* What a column holds. */
enum ksm_pcol_kind {
	KSM_PK_NAME,		/* who: pid, uid, names (the row's identity) */
	KSM_PK_SIZE,		/* pages, shown as bytes */
	KSM_PK_COUNT,
	KSM_PK_SIGNED,		/* bytes that may be negative */
	KSM_PK_PCT,
	KSM_PK_BOOL,
	KSM_PK_TEXT,
};

enum ksm_pcol_json {
	KSM_PJ_NUMBER,
	KSM_PJ_STRING,
	KSM_PJ_BOOLEAN,		/* null when unknown */
};

/* Where a column exists: process rows, group rows (sums). */
enum {
	KSM_PCOL_IN_PROC = 1 << 0,
	KSM_PCOL_IN_GROUP = 1 << 1,
};

/* How a column is shown. */
enum {
	KSM_PCOL_RIGHT = 1 << 0,	/* right-aligned */
	/* a name that may be cut to fit a terminal, with an ellipsis */
	KSM_PCOL_TRUNC = 1 << 1,
	/*
	 * Shown unless the user says otherwise: ps's default columns, and
	 * the columns top keeps first.  Chosen so that a process view fits
	 * 80 columns with room for the unit: PID USER COMM MERGING PROFIT
	 * SHARE VERDICT UNIT takes 64 columns before the unit's 16.
	 */
	KSM_PCOL_DEFAULT = 1 << 2,
	/* a path: cut from the left, its leaf names it ("…/foo.scope") */
	KSM_PCOL_CUT_START = 1 << 3,
};

struct ksm_pcol_info {
	const char *name;
	const char *help;
	/*
	 * ps: libsmartcols' width hint.  >= 1: the width the column takes
	 * at least (a name shorter than that is padded).  < 1: the part of
	 * the terminal a name column is cut to first, when the table is
	 * too wide (the unit before the command name).
	 */
	double whint;
	/*
	 * top: columns on its screen; 0: a name as wide as its widest
	 * cell, as far as the screen allows; -1 not on that screen.  The
	 * default columns come first, the others when there is room.
	 */
	int screen_width;
	unsigned int flags;		/* KSM_PCOL_RIGHT ... */
	enum ksm_pcol_kind kind;
	enum ksm_pcol_json json;
	unsigned int scope;		/* KSM_PCOL_IN_* */
	enum ksm_group_by key;		/* the key column of this grouping */
	unsigned int need;		/* KSM_NEED_*: what the scan reads */
	int field;			/* enum ksm_pfield shown, -1 none */
};

extern const struct ksm_pcol_info ksm_pcols[KSM_PCOL_COUNT];

/* The column called name (len bytes, any case), or -1. */
int ksm_pcol_find(const char *name, size_t len);
/* Does the column exist in a view grouped by by (KSM_BY_NONE: processes)?
 * Grouped: the group's key column, and the sums. */
bool ksm_pcol_in_view(enum ksm_pcol col, enum ksm_group_by by);
/* The column that names the groups of by. */
enum ksm_pcol ksm_pcol_key(enum ksm_group_by by);
/* The columns of a view, left to right; how many.  Not screen: ps's
 * default ones.  screen: every column top's screen may show (the
 * default ones are laid out first). */
int ksm_pcol_defaults(enum ksm_group_by by, bool screen, enum ksm_pcol *cols);

/* A row of a process view: one process, or the sums of a group. */
struct ksm_prow {
	const struct ksm_proc *proc;	/* a process row, else NULL */
	const struct ksm_psum *sum;	/* a group row (or a total), else NULL */
	const struct ksm_procstat *st;	/* its figures */
};

/* What rows are read against. */
struct ksm_prow_ctx {
	const struct ksm_procs *procs;	/* the scan: names are in its pool */
	const struct ksm_procstat *system;	/* for SHARE */
	long page_size;			/* for VERDICT */
	enum ksm_group_by by;		/* group rows: their key column */
	/* only processes with this text in a name (any case); NULL or
	 * "": all */
	const char *filter;
};

/*
 * Does a process pass the filter: its command, user, unit, VM or cgroup
 * holds the text, in any case?  (Names as the process has them: what
 * is typed is matched against what is shown unescaped.)
 */
bool ksm_prow_match(const struct ksm_prow_ctx *c, const struct ksm_proc *p);

/*
 * The text of a name column in a row, as the process has it (untrusted:
 * escape it to show it): a process's name, a group's key in its key
 * column, "" otherwise and for numbers.
 */
const char *ksm_prow_name(const struct ksm_prow_ctx *c,
			  const struct ksm_prow *r, enum ksm_pcol col);

/*
 * Compare two rows by a column: figures largest first, names A-Z, the
 * verdict worst first, what is unknown or empty last; then by pid, or
 * by the group's name, so that the order is the same every time.
 */
int ksm_prow_cmp(const struct ksm_prow_ctx *c, enum ksm_pcol col,
		 const struct ksm_prow *a, const struct ksm_prow *b);

/*
 * The rows of a scan, sorted by col: one per process that passes the
 * filter, or one per group of by of those.  *rows and *groups (NULL when
 * not grouped) are malloc'ed: free both.  0 or -ENOMEM.
 */
int ksm_prows_collect(const struct ksm_prow_ctx *c, enum ksm_pcol col,
		      struct ksm_prow **rows, struct ksm_psum **groups,
		      size_t *n);

#endif
