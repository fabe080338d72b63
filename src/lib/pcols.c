// SPDX-License-Identifier: GPL-2.0-or-later
#include "pcols.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define R KSM_PCOL_RIGHT
#define D KSM_PCOL_DEFAULT
#define T KSM_PCOL_TRUNC
#define PROC KSM_PCOL_IN_PROC
#define GROUP KSM_PCOL_IN_GROUP
#define BOTH (KSM_PCOL_IN_PROC | KSM_PCOL_IN_GROUP)

/*
 * Widths at 80 columns, ps's default view: PID 7, USER 8, COMM 15,
 * MERGING 7, PROFIT 7, SHARE 6, VERDICT 7 and their separators take 64,
 * the unit the rest.  A too wide table cuts the unit to a fifth of the
 * terminal first, then every name alike (libsmartcols' stages).
 */
const struct ksm_pcol_info ksm_pcols[KSM_PCOL_COUNT] = {
	[KSM_PCOL_PID] = { "PID", "process id", 7, 7, R | D, KSM_PK_NAME,
		KSM_PJ_NUMBER, PROC, KSM_BY_NONE, 0, -1 },
	[KSM_PCOL_USER] = { "USER", "owner (effective user)", 8, 8, T | D,
		KSM_PK_NAME, KSM_PJ_STRING, PROC, KSM_BY_USER, KSM_NEED_UID, -1 },
	[KSM_PCOL_UID] = { "UID", "owner's user id", 6, -1, R, KSM_PK_NAME,
		KSM_PJ_NUMBER, PROC, KSM_BY_NONE, KSM_NEED_UID, -1 },
	[KSM_PCOL_COMM] = { "COMM", "command name", 0.2, 15, T | D, KSM_PK_NAME,
		KSM_PJ_STRING, PROC, KSM_BY_COMM, KSM_NEED_COMM, -1 },
	[KSM_PCOL_PROCS] = { "PROCS", "processes in the group (--group-by)", 5, 6,
		R | D, KSM_PK_COUNT, KSM_PJ_NUMBER, GROUP, KSM_BY_NONE, 0, -1 },
	[KSM_PCOL_MERGING] = { "MERGING",
		"memory mapped from KSM pages (ksm_merging_pages)", 7, 8, R | D,
		KSM_PK_SIZE, KSM_PJ_NUMBER, BOTH, KSM_BY_NONE, 0, KSM_PF_MERGING },
	[KSM_PCOL_ZERO] = { "ZERO",
		"memory merged with the zero page (ksm_zero_pages)", 6, 6, R,
		KSM_PK_SIZE, KSM_PJ_NUMBER, BOTH, KSM_BY_NONE, 0, KSM_PF_ZERO },
	[KSM_PCOL_RMAP] = { "RMAP",
		"pages KSM tracks, merged or not (ksm_rmap_items)", 7, 7, R,
		KSM_PK_COUNT, KSM_PJ_NUMBER, BOTH, KSM_BY_NONE, 0, KSM_PF_RMAP },
	[KSM_PCOL_PROFIT] = { "PROFIT",
		"memory saved less metadata spent; negative: a loss", 7, 7, R | D,
		KSM_PK_SIGNED, KSM_PJ_NUMBER, BOTH, KSM_BY_NONE, 0, KSM_PF_PROFIT },
	[KSM_PCOL_SHARE] = { "SHARE",
		"part of everything KSM merged system-wide, in percent", 6, 6, R | D,
		KSM_PK_PCT, KSM_PJ_NUMBER, BOTH, KSM_BY_NONE, 0, KSM_PF_MERGING },
	[KSM_PCOL_VERDICT] = { "VERDICT",
		"'waste' when rmap items / merged pages > 64: not worth scanning",
		7, 8, D, KSM_PK_TEXT, KSM_PJ_STRING, BOTH, KSM_BY_NONE, 0,
		KSM_PF_RMAP },
	[KSM_PCOL_MERGE_ANY] = { "MERGE_ANY",
		"whole process merged (prctl PR_SET_MEMORY_MERGE)", 3, -1, 0,
		KSM_PK_BOOL, KSM_PJ_BOOLEAN, PROC, KSM_BY_NONE, 0, KSM_PF_MERGE_ANY },
	[KSM_PCOL_MERGEABLE] = { "MERGEABLE",
		"has areas registered with KSM (madvise or prctl)", 3, -1, 0,
		KSM_PK_BOOL, KSM_PJ_BOOLEAN, PROC, KSM_BY_NONE, 0, KSM_PF_MERGEABLE },
	[KSM_PCOL_COW] = { "COW",
		"KSM pages copied on write (ksm_cow_pages, where reported)", 6, -1, R,
		KSM_PK_COUNT, KSM_PJ_NUMBER, BOTH, KSM_BY_NONE, 0, KSM_PF_COW },
	[KSM_PCOL_UNIT] = { "UNIT", "systemd unit or scope", 0.2, 0, T | D,
		KSM_PK_NAME, KSM_PJ_STRING, PROC, KSM_BY_UNIT, KSM_NEED_CGROUP, -1 },
	[KSM_PCOL_VM] = { "VM", "qemu guest name", 0.1, 0, T, KSM_PK_NAME,
		KSM_PJ_STRING, PROC, KSM_BY_VM, KSM_NEED_VM, -1 },
	[KSM_PCOL_CGROUP] = { "CGROUP", "cgroup v2 path", 0.3, 0, T | KSM_PCOL_CUT_START,
		KSM_PK_NAME, KSM_PJ_STRING, PROC, KSM_BY_CGROUP, KSM_NEED_CGROUP, -1 },
};

int ksm_pcol_find(const char *name, size_t len)
{
	for (int i = 0; i < KSM_PCOL_COUNT; i++)
		if (strlen(ksm_pcols[i].name) == len &&
		    !strncasecmp(ksm_pcols[i].name, name, len))
			return i;
	return -1;
}

bool ksm_pcol_in_view(enum ksm_pcol col, enum ksm_group_by by)
{
	if (by == KSM_BY_NONE)
		return ksm_pcols[col].scope & KSM_PCOL_IN_PROC;
	return (ksm_pcols[col].scope & KSM_PCOL_IN_GROUP) ||
	       ksm_pcols[col].key == by;
}

enum ksm_pcol ksm_pcol_key(enum ksm_group_by by)
{
	for (int i = 0; i < KSM_PCOL_COUNT; i++)
		if (by != KSM_BY_NONE && ksm_pcols[i].key == by)
			return (enum ksm_pcol)i;
	return KSM_PCOL_PID;	/* processes are named by their pid */
}

int ksm_pcol_defaults(enum ksm_group_by by, bool screen, enum ksm_pcol *cols)
{
	unsigned int scope = by ? KSM_PCOL_IN_GROUP : KSM_PCOL_IN_PROC;
	int n = 0;

	/* a group's name comes first */
	if (by)
		cols[n++] = ksm_pcol_key(by);
	for (int i = 0; i < KSM_PCOL_COUNT; i++) {
		const struct ksm_pcol_info *ci = &ksm_pcols[i];

		if (!(ci->scope & scope))
			continue;
		if (screen ? ci->screen_width >= 0 : (ci->flags & KSM_PCOL_DEFAULT))
			cols[n++] = (enum ksm_pcol)i;
	}
	return n;
}

const char *ksm_prow_name(const struct ksm_prow_ctx *c,
			  const struct ksm_prow *r, enum ksm_pcol col)
{
	const struct ksm_proc *p = r->proc;

	if (!p)
		return r->sum && col == ksm_pcol_key(c->by) && c->by ?
		       ksm_procs_str(c->procs, r->sum->key) : "";
	switch (col) {
	case KSM_PCOL_USER:
		return ksm_procs_str(c->procs, p->user);
	case KSM_PCOL_COMM:
		return ksm_procs_str(c->procs, p->comm);
	case KSM_PCOL_UNIT:
		return ksm_procs_str(c->procs, p->unit);
	case KSM_PCOL_VM:
		return ksm_procs_str(c->procs, p->vm);
	case KSM_PCOL_CGROUP:
		return ksm_procs_str(c->procs, p->cgroup);
	default:
		return "";
	}
}

static bool has(const struct ksm_procstat *st, int field)
{
	return field < 0 || (st->have & KSM_PF_BIT(field));
}

/* Largest first. */
static int cmp_desc(unsigned long long a, unsigned long long b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

static int cmp_int(long long a, long long b)
{
	return (a > b) - (a < b);
}

/* Names A-Z, an empty one (not known, or none) last. */
static int cmp_name(const char *a, const char *b)
{
	if (!*a != !*b)
		return *a ? -1 : 1;
	return strcmp(a, b);
}

static int tri_rank(enum ksm_tri t)
{
	return t == KSM_TRI_YES ? 0 : t == KSM_TRI_NO ? 1 : 2;
}

static int cmp_share(const struct ksm_prow_ctx *c, const struct ksm_procstat *x,
		     const struct ksm_procstat *y)
{
	double p = ksm_share_pct(x, c->system), q = ksm_share_pct(y, c->system);

	if (isnan(p) || isnan(q))
		return isnan(p) - isnan(q);
	return p < q ? 1 : p > q ? -1 : 0;
}

/* By one column only: 0 for rows that tie. */
static int cmp_col(const struct ksm_prow_ctx *c, enum ksm_pcol col,
		   const struct ksm_prow *a, const struct ksm_prow *b)
{
	const struct ksm_procstat *x = a->st, *y = b->st;
	int field = ksm_pcols[col].field;

	/* a figure the kernel reports comes before one it does not; a
	 * profit may be computed where it is not reported */
	if (col != KSM_PCOL_PROFIT && has(x, field) != has(y, field))
		return has(x, field) ? -1 : 1;
	switch (col) {
	case KSM_PCOL_PID:
		return cmp_int(a->proc->pid, b->proc->pid);
	case KSM_PCOL_UID:
		if (a->proc->has_uid != b->proc->has_uid)
			return a->proc->has_uid ? -1 : 1;
		return cmp_int(a->proc->uid, b->proc->uid);
	case KSM_PCOL_PROCS:
		return cmp_desc(a->sum->procs, b->sum->procs);
	case KSM_PCOL_MERGING:
		return cmp_desc(x->merging_pages, y->merging_pages);
	case KSM_PCOL_ZERO:
		return cmp_desc(x->zero_pages, y->zero_pages);
	case KSM_PCOL_RMAP:
		return cmp_desc(x->rmap_items, y->rmap_items);
	case KSM_PCOL_COW:
		return cmp_desc(x->cow_pages, y->cow_pages);
	case KSM_PCOL_PROFIT:
		if (x->profit_known != y->profit_known)
			return x->profit_known ? -1 : 1;
		return -cmp_int(x->profit, y->profit);
	case KSM_PCOL_SHARE:
		return cmp_share(c, x, y);
	case KSM_PCOL_VERDICT:
		return ksm_verdict_rank(ksm_procstat_verdict(x, c->page_size)) -
		       ksm_verdict_rank(ksm_procstat_verdict(y, c->page_size));
	case KSM_PCOL_MERGE_ANY:
		return tri_rank(x->merge_any) - tri_rank(y->merge_any);
	case KSM_PCOL_MERGEABLE:
		return tri_rank(x->mergeable) - tri_rank(y->mergeable);
	default:
		return cmp_name(ksm_prow_name(c, a, col), ksm_prow_name(c, b, col));
	}
}

int ksm_prow_cmp(const struct ksm_prow_ctx *c, enum ksm_pcol col,
		 const struct ksm_prow *a, const struct ksm_prow *b)
{
	int d = cmp_col(c, col, a, b);

	if (d)
		return d;
	/* the same order every time: pid, or the group's name */
	if (a->proc && b->proc)
		return cmp_int(a->proc->pid, b->proc->pid);
	if (a->sum && b->sum)
		return cmp_name(ksm_procs_str(c->procs, a->sum->key),
				ksm_procs_str(c->procs, b->sum->key));
	return 0;
}

struct sort_ctx {
	const struct ksm_prow_ctx *c;
	enum ksm_pcol col;
};

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *s = arg;

	return ksm_prow_cmp(s->c, s->col, a, b);
}

bool ksm_prow_match(const struct ksm_prow_ctx *c, const struct ksm_proc *p)
{
	const size_t names[] = { p->comm, p->user, p->unit, p->vm, p->cgroup };

	if (!c->filter || !*c->filter)
		return true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasestr(ksm_procs_str(c->procs, names[i]), c->filter))
			return true;
	return false;
}

/*
 * The processes that pass the filter, as a scan of their own for
 * grouping: the same pool, a copy of the matching entries (*kept, to
 * free).
 */
static int filtered(const struct ksm_prow_ctx *c, struct ksm_procs *view,
		    struct ksm_proc **kept)
{
	const struct ksm_procs *p = c->procs;

	*view = *p;
	*kept = NULL;
	if (!c->filter || !*c->filter)
		return 0;
	*kept = malloc((p->n ? p->n : 1) * sizeof(**kept));
	if (!*kept)
		return -ENOMEM;
	view->n = 0;
	for (size_t i = 0; i < p->n; i++)
		if (ksm_prow_match(c, &p->v[i]))
			(*kept)[view->n++] = p->v[i];
	view->v = *kept;
	return 0;
}

static int group_rows(const struct ksm_prow_ctx *c, struct ksm_psum **groups,
		      size_t *count)
{
	struct ksm_procs view;
	struct ksm_proc *kept;
	int err = filtered(c, &view, &kept);

	if (!err)
		err = ksm_procs_group(&view, c->by, groups, count);
	free(kept);
	return err;
}

int ksm_prows_collect(const struct ksm_prow_ctx *c, enum ksm_pcol col,
		      struct ksm_prow **rows, struct ksm_psum **groups,
		      size_t *n)
{
	struct sort_ctx s = { c, col };
	const struct ksm_procs *p = c->procs;
	struct ksm_prow *v;
	size_t count = p->n, k = 0;
	int err;

	*rows = NULL;
	*groups = NULL;
	*n = 0;
	if (c->by) {
		err = group_rows(c, groups, &count);
		if (err)
			return err;
	}
	v = calloc(count ? count : 1, sizeof(*v));
	if (!v) {
		free(*groups);
		*groups = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < count; i++) {
		if (c->by) {
			v[k].sum = &(*groups)[i];
			v[k++].st = &(*groups)[i].st;
		} else if (ksm_prow_match(c, &p->v[i])) {
			v[k].proc = &p->v[i];
			v[k++].st = &p->v[i].st;
		}
	}
	count = k;
	qsort_r(v, count, sizeof(*v), cmp_rows, &s);
	*rows = v;
	*n = count;
	return 0;
}
