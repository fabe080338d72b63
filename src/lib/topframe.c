// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl top's frames: text computed from samples, a process scan and
 * the view, with no terminal involved (see topframe.h).
 */
#include "topframe.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "escape.h"
#include "units.h"

/* ---- history ------------------------------------------------------------ */

void ksm_history_init(struct ksm_history *h)
{
	memset(h, 0, sizeof(*h));
	h->last_scan_s = NAN;
}

/*
 * A full scan ends when full_scans goes up.  The time between two such
 * observations, over the scans counted in between, is the duration of a
 * scan, to within one refresh; run=2 resets the count and the timing.
 */
static void time_full_scans(struct ksm_history *h, const struct ksm_sample *prev,
			    const struct ksm_sample *cur)
{
	unsigned long long now = ksm_u(cur, KSM_FULL_SCANS);

	if (!prev || !ksm_has(cur, KSM_FULL_SCANS))
		return;
	if (now < ksm_u(prev, KSM_FULL_SCANS)) {
		h->mark_set = false;
		h->last_scan_s = NAN;
		return;
	}
	if (now == ksm_u(prev, KSM_FULL_SCANS))
		return;
	if (h->mark_set && now > h->mark_scans)
		h->last_scan_s = (double)ksm_elapsed_ns(&h->mark, &cur->when) /
				 1e9 / (double)(now - h->mark_scans);
	h->mark = cur->when;
	h->mark_scans = now;
	h->mark_set = true;
}

void ksm_history_push(struct ksm_history *h, const struct ksm_sample *prev,
		      const struct ksm_sample *cur)
{
	struct ksm_metrics m;
	size_t slot;

	ksm_metrics_compute(cur, &m);
	if (h->n < KSM_HIST_MAX) {
		slot = (h->start + h->n) % KSM_HIST_MAX;
		h->n++;
	} else {
		slot = h->start;
		h->start = (h->start + 1) % KSM_HIST_MAX;
	}
	h->v[KSM_HIST_SAVED][slot] = (double)m.saved_bytes;
	h->v[KSM_HIST_PROFIT][slot] = (double)m.general_profit;
	time_full_scans(h, prev, cur);
}

size_t ksm_history_values(const struct ksm_history *h,
			  enum ksm_hist_series which, double *out, size_t max)
{
	size_t n = h->n < max ? h->n : max;
	size_t first = h->start + (h->n - n);

	for (size_t i = 0; i < n; i++)
		out[i] = h->v[which][(first + i) % KSM_HIST_MAX];
	return n;
}

void ksm_sparkline(const double *v, size_t n, bool utf8, char *out,
		   size_t size)
{
	static const char *const blocks[8] = {
		"\u2581", "\u2582", "\u2583", "\u2584",
		"\u2585", "\u2586", "\u2587", "\u2588",
	};
	static const char ascii[] = " .:-=+*#";
	double lo = INFINITY, hi = -INFINITY;
	size_t len = 0;

	if (!size)
		return;
	for (size_t i = 0; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	for (size_t i = 0; i < n; i++) {
		int level;
		size_t plen = utf8 ? 3 : 1;

		if (hi > lo)
			level = (int)lround((v[i] - lo) / (hi - lo) * 7);
		else
			level = v[i] != 0 ? 3 : 0;
		if (len + plen >= size)
			break;
		if (utf8)
			memcpy(out + len, blocks[level], plen);
		else
			out[len] = ascii[level];
		len += plen;
	}
	out[len] = '\0';
}

/* ---- text that fits -------------------------------------------------------- */

struct piece {
	size_t len;		/* bytes of the source */
	int width;		/* terminal columns */
	char esc[8];		/* what to write instead, when not "" */
};

static void next_piece(const unsigned char *s, bool utf8, struct piece *pc)
{
	pc->esc[0] = '\0';
	pc->len = 1;
	pc->width = 1;
	if (*s < 0x80)
		return;
	if (!utf8) {
		snprintf(pc->esc, sizeof(pc->esc), "\\x%02x", *s);
		pc->width = 4;
		return;
	}
	/* escaped text and our own holds only valid UTF-8 */
	{
		size_t len = *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : *s >= 0xc0 ? 2 : 1;
		wchar_t cp = len == 1 ? *s : (wchar_t)(*s & (0x7f >> len));
		int w;

		for (size_t i = 1; i < len; i++) {
			if ((s[i] & 0xc0) != 0x80) {
				len = i;
				break;
			}
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		pc->len = len;
		w = wcwidth(cp);
		pc->width = w < 0 ? 1 : w;
	}
}

size_t ksm_fit(const char *text, int width, bool right, bool utf8, char *out,
	       size_t size)
{
	const unsigned char *s = (const unsigned char *)text, *end;
	struct piece pc;
	size_t o = 0;
	int used = 0, pad;

	if (!size)
		return 0;
	while (*s) {
		next_piece(s, utf8, &pc);
		if (width >= 0 && used + pc.width > width)
			break;
		used += pc.width;
		s += pc.len;
	}
	end = s;
	pad = width >= 0 ? width - used : 0;
	for (; right && pad > 0 && o + 1 < size; pad--)
		out[o++] = ' ';
	for (s = (const unsigned char *)text; s < end; s += pc.len) {
		const char *src = (const char *)s;
		size_t n;

		next_piece(s, utf8, &pc);
		n = pc.len;
		if (pc.esc[0]) {
			src = pc.esc;
			n = strlen(pc.esc);
		}
		if (o + n >= size)
			break;
		memcpy(out + o, src, n);
		o += n;
	}
	for (; pad > 0 && o + 1 < size; pad--)
		out[o++] = ' ';
	out[o] = '\0';
	return o;
}

/* Cut from the left, keeping the end: a cgroup's leaf names it. */
static void fit_tail(const char *text, int width, bool utf8, char *out,
		     size_t size)
{
	const char *mark = utf8 ? "\u2026" : "..";
	const unsigned char *s = (const unsigned char *)text;
	int total = ksm_text_width(text, utf8), keep = width - (utf8 ? 1 : 2);
	char tmp[KSM_FRAME_LINE];
	struct piece pc;

	if (total <= width || keep < 1) {
		ksm_fit(text, width, false, utf8, out, size);
		return;
	}
	for (; *s && total > keep; s += pc.len) {
		next_piece(s, utf8, &pc);
		total -= pc.width;
	}
	snprintf(tmp, sizeof(tmp), "%s%s", mark, (const char *)s);
	ksm_fit(tmp, width, false, utf8, out, size);
}

int ksm_text_width(const char *text, bool utf8)
{
	const unsigned char *s = (const unsigned char *)text;
	struct piece pc;
	int w = 0;

	for (; *s; s += pc.len) {
		next_piece(s, utf8, &pc);
		w += pc.width;
	}
	return w;
}

void ksm_format_duration(double seconds, char *buf, size_t size)
{
	long long s;

	if (isnan(seconds) || seconds < 0) {
		snprintf(buf, size, "-");
		return;
	}
	if (seconds < 10) {
		snprintf(buf, size, "%.1fs", seconds);
		return;
	}
	s = llround(seconds);
	if (s < 60)
		snprintf(buf, size, "%llds", s);
	else if (s < 3600)
		snprintf(buf, size, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, size, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, size, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
}

/* A count in at most 7 columns: 9999999, then 12.3M, 1.2G. */
static void format_count(unsigned long long v, char *buf, size_t size)
{
	if (v < 10000000ULL)
		snprintf(buf, size, "%llu", v);
	else if (v < 1000000000ULL)
		snprintf(buf, size, "%.1fM", (double)v / 1e6);
	else
		snprintf(buf, size, "%.1fG", (double)v / 1e9);
}

/* "2s", "0.5s" */
static void format_delay(double s, char *buf, size_t size)
{
	snprintf(buf, size, "%gs", s);
}

/* ---- columns ------------------------------------------------------------- */

static const struct tcol_spec {
	const char *name;
	int width;		/* 0: takes what is left */
	bool right;
} specs[KSM_TC_COUNT] = {
	[KSM_TC_PID] = { "PID", 7, true },
	[KSM_TC_USER] = { "USER", 8, false },
	[KSM_TC_COMM] = { "COMM", 15, false },
	[KSM_TC_KEY] = { NULL, 0, false },
	[KSM_TC_PROCS] = { "PROCS", 6, true },
	[KSM_TC_MERGING] = { "MERGING", 8, true },
	[KSM_TC_ZERO] = { "ZERO", 6, true },
	[KSM_TC_RMAP] = { "RMAP", 7, true },
	[KSM_TC_PROFIT] = { "PROFIT", 7, true },
	[KSM_TC_SHARE] = { "SHARE", 6, true },
	[KSM_TC_VERDICT] = { "VERDICT", 8, false },
	[KSM_TC_UNIT] = { "UNIT", 0, false },
};

static const enum ksm_tcol proc_layout[] = {
	KSM_TC_PID, KSM_TC_USER, KSM_TC_COMM, KSM_TC_MERGING, KSM_TC_ZERO,
	KSM_TC_RMAP, KSM_TC_PROFIT, KSM_TC_SHARE, KSM_TC_VERDICT, KSM_TC_UNIT,
};

static const enum ksm_tcol group_layout[] = {
	KSM_TC_KEY, KSM_TC_PROCS, KSM_TC_MERGING, KSM_TC_ZERO, KSM_TC_RMAP,
	KSM_TC_PROFIT, KSM_TC_SHARE, KSM_TC_VERDICT,
};

#define LAYOUT_MAX (int)(sizeof(proc_layout) / sizeof(proc_layout[0]))

int ksm_tcol_layout(enum ksm_group_by by, enum ksm_tcol *cols)
{
	const enum ksm_tcol *l = by ? group_layout : proc_layout;
	int n = by ? (int)(sizeof(group_layout) / sizeof(group_layout[0])) :
		     LAYOUT_MAX;

	memcpy(cols, l, (size_t)n * sizeof(*cols));
	return n;
}

static const char *const key_names[] = {
	[KSM_BY_NONE] = "", [KSM_BY_CGROUP] = "CGROUP", [KSM_BY_UNIT] = "UNIT",
	[KSM_BY_VM] = "VM", [KSM_BY_USER] = "USER", [KSM_BY_COMM] = "COMM",
};

static const char *const group_plurals[] = {
	[KSM_BY_NONE] = "", [KSM_BY_CGROUP] = "cgroups", [KSM_BY_UNIT] = "units",
	[KSM_BY_VM] = "VMs", [KSM_BY_USER] = "users", [KSM_BY_COMM] = "commands",
};

const char *ksm_tcol_name(enum ksm_tcol col, enum ksm_group_by by)
{
	return col == KSM_TC_KEY ? key_names[by] : specs[col].name;
}

int ksm_tcol_parse(const char *name, enum ksm_group_by by, enum ksm_tcol *out)
{
	enum ksm_tcol cols[LAYOUT_MAX];
	int n = ksm_tcol_layout(by, cols);

	for (int i = 0; i < n; i++) {
		if (!strcasecmp(name, ksm_tcol_name(cols[i], by))) {
			*out = cols[i];
			return 0;
		}
	}
	for (int c = 0; c < KSM_TC_COUNT; c++)
		if (specs[c].name && !strcasecmp(name, specs[c].name))
			return -EINVAL;
	for (size_t b = 1; b < sizeof(key_names) / sizeof(key_names[0]); b++)
		if (!strcasecmp(name, key_names[b]))
			return -EINVAL;
	return -ENOENT;
}

static int layout_index(enum ksm_group_by by, enum ksm_tcol col)
{
	enum ksm_tcol cols[LAYOUT_MAX];
	int n = ksm_tcol_layout(by, cols);

	for (int i = 0; i < n; i++)
		if (cols[i] == col)
			return i;
	return -1;
}

enum ksm_tcol ksm_view_sort(const struct ksm_view *v)
{
	return layout_index(v->by, v->sort) >= 0 ? v->sort : KSM_TC_PROFIT;
}

enum ksm_tcol ksm_view_next_sort(const struct ksm_view *v, int dir)
{
	enum ksm_tcol cols[LAYOUT_MAX];
	int n = ksm_tcol_layout(v->by, cols);
	int i = layout_index(v->by, ksm_view_sort(v));

	return cols[((i + dir) % n + n) % n];
}

enum ksm_group_by ksm_view_next_group(enum ksm_group_by by)
{
	static const enum ksm_group_by order[] = {
		KSM_BY_NONE, KSM_BY_CGROUP, KSM_BY_UNIT, KSM_BY_VM, KSM_BY_USER,
		KSM_BY_COMM,
	};
	size_t n = sizeof(order) / sizeof(order[0]);

	for (size_t i = 0; i < n; i++)
		if (order[i] == by)
			return order[(i + 1) % n];
	return KSM_BY_NONE;
}

/* ---- table rows ------------------------------------------------------------ */

struct item {
	const struct ksm_proc *p;	/* a process row */
	const struct ksm_psum *g;	/* a group row */
	const struct ksm_procstat *st;
};

struct table {
	const struct ksm_frame_input *in;
	const struct ksm_procs *procs;
	enum ksm_tcol sort;
	long page;
	struct ksm_procstat system;
	struct item *items;
	size_t n;
	struct ksm_psum *groups;
};

static bool has(const struct ksm_procstat *st, enum ksm_pfield f)
{
	return st->have & KSM_PF_BIT(f);
}

static int cmp_desc(unsigned long long a, unsigned long long b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

/* Names A-Z, an empty one last. */
static int cmp_name(const char *a, const char *b)
{
	if (!*a != !*b)
		return *a ? -1 : 1;
	return strcmp(a, b);
}

static int verdict_rank(const struct table *t, const struct ksm_procstat *st)
{
	switch (ksm_procstat_verdict(st, t->page)) {
	case KSM_VERDICT_WASTE:
		return 0;
	case KSM_VERDICT_OK:
		return 1;
	default:
		return 2;
	}
}

static const char *item_text(const struct table *t, const struct item *it,
			     enum ksm_tcol col)
{
	switch (col) {
	case KSM_TC_USER:
		return ksm_procs_str(t->procs, it->p->user);
	case KSM_TC_COMM:
		return ksm_procs_str(t->procs, it->p->comm);
	case KSM_TC_UNIT:
		return ksm_procs_str(t->procs, it->p->unit);
	case KSM_TC_KEY:
		return ksm_procs_str(t->procs, it->g->key);
	default:
		return "";
	}
}

/* A figure the kernel may not report: reported ones first. */
static int cmp_figure(const struct ksm_procstat *x, const struct ksm_procstat *y,
		      enum ksm_pfield f, unsigned long long a,
		      unsigned long long b)
{
	if (has(x, f) != has(y, f))
		return has(x, f) ? -1 : 1;
	return cmp_desc(a, b);
}

static int cmp_col(const struct table *t, const struct item *a,
		   const struct item *b)
{
	const struct ksm_procstat *x = a->st, *y = b->st;
	double p, q;

	switch (t->sort) {
	case KSM_TC_PID:
		return (a->p->pid > b->p->pid) - (a->p->pid < b->p->pid);
	case KSM_TC_USER:
	case KSM_TC_COMM:
	case KSM_TC_UNIT:
	case KSM_TC_KEY:
		return cmp_name(item_text(t, a, t->sort), item_text(t, b, t->sort));
	case KSM_TC_PROCS:
		return cmp_desc(a->g->procs, b->g->procs);
	case KSM_TC_MERGING:
		return cmp_figure(x, y, KSM_PF_MERGING, x->merging_pages,
				  y->merging_pages);
	case KSM_TC_ZERO:
		return cmp_figure(x, y, KSM_PF_ZERO, x->zero_pages, y->zero_pages);
	case KSM_TC_RMAP:
		return cmp_figure(x, y, KSM_PF_RMAP, x->rmap_items, y->rmap_items);
	case KSM_TC_PROFIT:
		if (x->profit_known != y->profit_known)
			return x->profit_known ? -1 : 1;
		return x->profit < y->profit ? 1 : x->profit > y->profit ? -1 : 0;
	case KSM_TC_SHARE:
		p = ksm_share_pct(x, &t->system);
		q = ksm_share_pct(y, &t->system);
		if (isnan(p) != isnan(q))
			return isnan(p) ? 1 : -1;
		return isnan(p) ? 0 : p < q ? 1 : p > q ? -1 : 0;
	case KSM_TC_VERDICT:
		return verdict_rank(t, x) - verdict_rank(t, y);
	default:
		return 0;
	}
}

static int cmp_items(const void *pa, const void *pb, void *arg)
{
	const struct table *t = arg;
	const struct item *a = pa, *b = pb;
	int c = cmp_col(t, a, b);

	if (c)
		return c;
	/* the same order every time: pid, or the group's name */
	if (a->p)
		return (a->p->pid > b->p->pid) - (a->p->pid < b->p->pid);
	return cmp_name(ksm_procs_str(t->procs, a->g->key),
			ksm_procs_str(t->procs, b->g->key));
}

static int collect(struct table *t, enum ksm_group_by by)
{
	const struct ksm_procs *p = t->procs;
	size_t n = 0;
	int err;

	if (!p)
		return 0;
	if (by) {
		err = ksm_procs_group(p, by, &t->groups, &n);
		if (err)
			return err;
	} else {
		n = p->n;
	}
	t->items = calloc(n ? n : 1, sizeof(*t->items));
	if (!t->items)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (by) {
			t->items[i].g = &t->groups[i];
			t->items[i].st = &t->groups[i].st;
		} else {
			t->items[i].p = &p->v[i];
			t->items[i].st = &p->v[i].st;
		}
	}
	t->n = n;
	qsort_r(t->items, n, sizeof(*t->items), cmp_items, t);
	return 0;
}

static void size_cell(const struct table *t, const struct ksm_procstat *st,
		      enum ksm_pfield f, unsigned long long pages, char *buf,
		      size_t size)
{
	if (!has(st, f))
		snprintf(buf, size, "-");
	else
		ksm_format_size(pages * (unsigned long long)t->page, buf, size);
}

/* As `ps` shows them: units as systemctl prints them, controls escaped. */
static void name_cell(const char *s, char *buf, size_t size)
{
	if (!*s)
		snprintf(buf, size, "-");
	else
		ksm_escape_name(s, buf, size);
}

/* One cell's text (escaped where the text is not ours). */
static void cell(const struct table *t, const struct item *it,
		 enum ksm_tcol col, char *buf, size_t size)
{
	const struct ksm_procstat *st = it->st;
	double pct;

	switch (col) {
	case KSM_TC_PID:
		snprintf(buf, size, "%d", it->p->pid);
		break;
	case KSM_TC_USER:
	case KSM_TC_COMM:
	case KSM_TC_UNIT:
	case KSM_TC_KEY:
		name_cell(item_text(t, it, col), buf, size);
		break;
	case KSM_TC_PROCS:
		snprintf(buf, size, "%zu", it->g->procs);
		break;
	case KSM_TC_MERGING:
		size_cell(t, st, KSM_PF_MERGING, st->merging_pages, buf, size);
		break;
	case KSM_TC_ZERO:
		size_cell(t, st, KSM_PF_ZERO, st->zero_pages, buf, size);
		break;
	case KSM_TC_RMAP:
		if (has(st, KSM_PF_RMAP))
			format_count(st->rmap_items, buf, size);
		else
			snprintf(buf, size, "-");
		break;
	case KSM_TC_PROFIT:
		if (st->profit_known)
			ksm_format_ssize(st->profit, buf, size);
		else
			snprintf(buf, size, "-");
		break;
	case KSM_TC_SHARE:
		pct = ksm_share_pct(st, &t->system);
		if (isnan(pct))
			snprintf(buf, size, "-");
		else
			snprintf(buf, size, "%.1f%%", pct);
		break;
	case KSM_TC_VERDICT:
		switch (ksm_procstat_verdict(st, t->page)) {
		case KSM_VERDICT_WASTE:
			snprintf(buf, size, "waste");
			break;
		case KSM_VERDICT_OK:
			snprintf(buf, size, "ok");
			break;
		default:
			buf[0] = '\0';
		}
		break;
	default:
		buf[0] = '\0';
	}
}

static int pool_add(struct ksm_frame *f, const char *s, size_t *off)
{
	size_t len = strlen(s);

	if (f->pool_len + len + 1 > f->pool_cap) {
		size_t cap = f->pool_cap ? f->pool_cap : 8192;
		char *p;

		while (f->pool_len + len + 1 > cap)
			cap *= 2;
		p = realloc(f->pool, cap);
		if (!p)
			return -ENOMEM;
		f->pool = p;
		f->pool_cap = cap;
	}
	memcpy(f->pool + f->pool_len, s, len + 1);
	*off = f->pool_len;
	f->pool_len += len + 1;
	return 0;
}

struct columns {
	enum ksm_tcol col[LAYOUT_MAX];
	int width[LAYOUT_MAX];
	int n;
};

static const char *sort_marker(bool utf8)
{
	return utf8 ? "\u25bc" : "*";
}

static void heading(const struct table *t, enum ksm_tcol col, char *buf,
		    size_t size)
{
	snprintf(buf, size, "%s%s", ksm_tcol_name(col, t->in->view->by),
		 col == t->sort ? sort_marker(t->in->utf8) : "");
}

/*
 * Widths: fixed ones, and what is left for the flexible column (the
 * unit, or the group's name).  Columns that do not fit are left out
 * from the right; without a width limit the flexible column is as wide
 * as its widest cell.
 */
static void plan_columns(const struct table *t, struct columns *c)
{
	const struct ksm_frame_input *in = t->in;
	int fixed = 0, flex = -1;
	char buf[1024];

	c->n = ksm_tcol_layout(in->view->by, c->col);
	for (int i = 0; i < c->n; i++) {
		c->width[i] = specs[c->col[i]].width;
		if (!c->width[i])
			flex = i;
		fixed += c->width[i] + (i ? 1 : 0);
	}
	if (!in->width) {
		heading(t, c->col[flex], buf, sizeof(buf));
		c->width[flex] = ksm_text_width(buf, in->utf8);
		for (size_t r = 0; r < t->n; r++) {
			int w;

			cell(t, &t->items[r], c->col[flex], buf, sizeof(buf));
			w = ksm_text_width(buf, in->utf8);
			c->width[flex] = w > c->width[flex] ? w : c->width[flex];
		}
		return;
	}
	/* the group's name needs room; a unit is a bonus */
	for (;;) {
		int need = fixed;
		int last = c->n - 1;

		if (flex >= 0)
			need += c->col[flex] == KSM_TC_KEY ? 8 : 6;
		if (need <= in->width || c->n <= 1)
			break;
		if (last == flex) {
			fixed -= 1;	/* its separator */
			flex = -1;
		} else {
			fixed -= c->width[last] + 1;
		}
		c->n--;
	}
	if (flex >= 0)
		c->width[flex] = in->width - fixed;
}

/* Batch lines end without blanks (an empty last cell leaves some). */
static void rtrim(char *line, size_t *len)
{
	while (*len && line[*len - 1] == ' ')
		line[--*len] = '\0';
}

static void append(char *line, size_t size, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len + n >= size)
		n = size - *len - 1;
	memcpy(line + *len, s, n);
	*len += n;
	line[*len] = '\0';
}

static void build_headings(const struct table *t, const struct columns *c,
			   struct ksm_frame *f)
{
	char buf[256], fitted[1024];
	size_t len = 0;

	f->headings[0] = '\0';
	f->sort_off = f->sort_len = 0;
	for (int i = 0; i < c->n; i++) {
		enum ksm_tcol col = c->col[i];

		if (i)
			append(f->headings, sizeof(f->headings), &len, " ");
		heading(t, col, buf, sizeof(buf));
		/* batch: no padding after the last heading */
		ksm_fit(buf, i == c->n - 1 && !t->in->width ? -1 : c->width[i],
			specs[col].right, t->in->utf8, fitted, sizeof(fitted));
		if (col == t->sort) {
			f->sort_off = (int)len;
			f->sort_len = (int)strlen(fitted);
		}
		append(f->headings, sizeof(f->headings), &len, fitted);
	}
	if (!t->in->width)
		rtrim(f->headings, &len);
}

static int build_rows(const struct table *t, const struct columns *c,
		      struct ksm_frame *f)
{
	char line[KSM_FRAME_LINE], buf[1024], fitted[KSM_FRAME_LINE];

	f->rows = calloc(t->n ? t->n : 1, sizeof(*f->rows));
	if (!f->rows)
		return -ENOMEM;
	for (size_t r = 0; r < t->n; r++) {
		const struct item *it = &t->items[r];
		struct ksm_frow *row = &f->rows[r];
		size_t len = 0;
		int err;

		line[0] = '\0';
		for (int i = 0; i < c->n; i++) {
			bool last = i == c->n - 1;

			if (i)
				append(line, sizeof(line), &len, " ");
			cell(t, it, c->col[i], buf, sizeof(buf));
			if (c->col[i] == KSM_TC_KEY && t->in->view->by == KSM_BY_CGROUP &&
			    t->in->width)
				fit_tail(buf, c->width[i], t->in->utf8, fitted,
					 sizeof(fitted));
			else	/* batch: no padding after the last cell */
				ksm_fit(buf, last && !t->in->width ? -1 : c->width[i],
					specs[c->col[i]].right, t->in->utf8, fitted,
					sizeof(fitted));
			append(line, sizeof(line), &len, fitted);
		}
		if (!t->in->width)
			rtrim(line, &len);
		err = pool_add(f, line, &row->text);
		if (err)
			return err;
		row->pid = it->p ? it->p->pid : 0;
		row->key = it->g ? it->g->key : 0;
		row->loss = (it->st->profit_known && it->st->profit < 0) ||
			    ksm_procstat_verdict(it->st, t->page) == KSM_VERDICT_WASTE;
		f->nrows++;
	}
	return 0;
}

/* ---- header lines ---------------------------------------------------------- */

struct lb {
	char buf[KSM_FRAME_LINE];
	size_t len;
};

__attribute__((format(printf, 2, 3)))
static void lb_add(struct lb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len >= sizeof(b->buf) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->buf + b->len, sizeof(b->buf) - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
	if (b->len >= sizeof(b->buf))
		b->len = sizeof(b->buf) - 1;
}

static struct ksm_fline *add_line(struct ksm_frame *f, const struct ksm_frame_input *in,
				  enum ksm_fline_kind kind, enum ksm_severity sev,
				  const char *text)
{
	struct ksm_fline *l;

	if (f->nhead >= KSM_FRAME_HEAD_MAX)
		return NULL;
	l = &f->head[f->nhead++];
	l->kind = kind;
	l->sev = sev;
	l->spark = -1;
	ksm_fit(text, in->width ? in->width : -1, false, in->utf8, l->text,
		sizeof(l->text));
	return l;
}

static const char *run_state(const struct ksm_sample *s)
{
	if (!ksm_has(s, KSM_RUN))
		return "state unknown";
	switch (ksm_u(s, KSM_RUN)) {
	case 0:
		return "stopped (run 0)";
	case 1:
		return "running (run 1)";
	case 2:
		return "unmerged (run 2)";
	default:
		return "run ?";
	}
}

static void title_line(const struct ksm_frame_input *in, struct ksm_frame *f)
{
	const struct ksm_sample *s = in->cur;
	char rel[sizeof(s->release) * 4], delay[32];
	struct lb b = { .len = 0 };

	ksm_escape(s->release, rel, sizeof(rel));
	/* first, where a narrow terminal cannot cut it off */
	if (in->view->paused)
		lb_add(&b, "[paused]  ");
	lb_add(&b, "%s%s%s: %s", ksm_sample_is_uksm(s) ? "UKSM" : "KSM",
	       rel[0] ? " " : "", rel, run_state(s));
	if (isnan(f->ksmd_pct))
		lb_add(&b, "  %s CPU -", ksm_sample_is_uksm(s) ? "uksmd" : "ksmd");
	else
		lb_add(&b, "  %s %.1f%% CPU", ksm_sample_is_uksm(s) ? "uksmd" : "ksmd",
		       f->ksmd_pct);
	format_delay(in->view->delay, delay, sizeof(delay));
	lb_add(&b, "  every %s", delay);
	add_line(f, in, KSM_FL_TITLE, SEV_INFO, b.buf);
}

static const char *onoff(const struct ksm_sample *s, enum ksm_knob_id id)
{
	return ksm_u(s, id) ? "on" : "off";
}

static void uksm_settings(const struct ksm_frame_input *in, struct ksm_frame *f)
{
	const struct ksm_sample *s = in->cur;
	const struct ksm_knob *gov = &ksm_knobs[KSM_UKSM_CPU_GOVERNOR];
	struct lb b = { .len = 0 };
	char name[64] = "?";

	if (ksm_has(s, KSM_UKSM_CPU_GOVERNOR))
		ksm_knob_format(gov, &s->v[KSM_UKSM_CPU_GOVERNOR], name, sizeof(name));
	lb_add(&b, "scan   cpu_governor %s", name);
	if (ksm_has(s, KSM_UKSM_MAX_CPU_PERCENTAGE))
		lb_add(&b, ", max cpu %llu%%", ksm_u(s, KSM_UKSM_MAX_CPU_PERCENTAGE));
	if (ksm_has(s, KSM_SLEEP_MILLISECS))
		lb_add(&b, ", sleep %llums", ksm_u(s, KSM_SLEEP_MILLISECS));
	add_line(f, in, KSM_FL_SETTINGS, SEV_INFO, b.buf);
}

static void settings_lines(const struct ksm_frame_input *in, struct ksm_frame *f)
{
	const struct ksm_sample *s = in->cur;
	struct lb b = { .len = 0 };

	if (ksm_sample_is_uksm(s)) {
		uksm_settings(in, f);
		return;
	}
	lb_add(&b, "scan   %llu pages", ksm_u(s, KSM_PAGES_TO_SCAN));
	if (isinf(f->m.scan_rate_pages))
		lb_add(&b, ", no sleep: unbounded");
	else if (!isnan(f->m.scan_rate_pages))
		lb_add(&b, "/%llums = %.0f pages/s max",
		       ksm_u(s, KSM_SLEEP_MILLISECS), f->m.scan_rate_pages);
	if (ksm_has(s, KSM_SMART_SCAN))
		lb_add(&b, "  smart_scan %s", onoff(s, KSM_SMART_SCAN));
	if (ksm_has(s, KSM_USE_ZERO_PAGES))
		lb_add(&b, "  use_zero_pages %s", onoff(s, KSM_USE_ZERO_PAGES));
	add_line(f, in, KSM_FL_SETTINGS, SEV_INFO, b.buf);
	if (!ksm_has(s, KSM_ADVISOR_MODE))
		return;
	b.len = 0;
	if (ksm_u(s, KSM_ADVISOR_MODE) == 0) {
		lb_add(&b, "advisor none: pages_to_scan is set by hand");
	} else {
		lb_add(&b, "advisor scan-time: target %llus, max cpu %llu%%, pages %llu..%llu",
		       ksm_u(s, KSM_ADVISOR_TARGET_SCAN_TIME),
		       ksm_u(s, KSM_ADVISOR_MAX_CPU),
		       ksm_u(s, KSM_ADVISOR_MIN_PAGES_TO_SCAN),
		       ksm_u(s, KSM_ADVISOR_MAX_PAGES_TO_SCAN));
	}
	add_line(f, in, KSM_FL_SETTINGS, SEV_INFO, b.buf);
}

/* The scale of a sparkline, "[1.2G..1.3G]", in a column of its own. */
#define RANGE_W 16
#define BATCH_SPARK 60

/*
 * What the sparkline spans: "[1.2G..1.3G]", or "[3.3G +3.9M]" when both
 * ends read the same at this precision.  Empty for a flat line.
 */
static void range_text(const double *v, size_t n, char *buf, size_t size)
{
	double lo = INFINITY, hi = -INFINITY;
	char a[32], c[32];

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	if (n < 2 || !(hi > lo))
		return;
	ksm_format_ssize(llround(lo), a, sizeof(a));
	ksm_format_ssize(llround(hi), c, sizeof(c));
	if (strcmp(a, c)) {
		snprintf(buf, size, "[%s..%s]", a, c);
	} else {
		ksm_format_ssize(llround(hi - lo), c, sizeof(c));
		snprintf(buf, size, "[%s +%s]", a, c);
	}
}

static void memory_line(const struct ksm_frame_input *in, struct ksm_frame *f,
			enum ksm_hist_series which, const char *prefix)
{
	char spark[KSM_HIST_MAX * 3 + 1], range[80];
	double v[KSM_HIST_MAX];
	struct ksm_fline *l;
	struct lb b = { .len = 0 };
	size_t n = 0, room = 0;
	int pw = ksm_text_width(prefix, in->utf8), off;

	if (in->hist) {
		if (!in->width)
			room = BATCH_SPARK;
		else if (in->width > pw + RANGE_W + 3)
			room = (size_t)(in->width - pw - RANGE_W - 2);
		n = ksm_history_values(in->hist, which, v, room);
	}
	lb_add(&b, "%s", prefix);
	if (!n) {
		/* nothing follows: no padding at the end */
		while (b.len && b.buf[b.len - 1] == ' ')
			b.buf[--b.len] = '\0';
		add_line(f, in, KSM_FL_MEMORY, SEV_INFO, b.buf);
		return;
	}
	/* saved and profit: their sparklines start in the same column */
	range_text(v, n, range, sizeof(range));
	lb_add(&b, " %-*s ", RANGE_W, range);
	off = (int)b.len;
	ksm_sparkline(v, n, in->utf8, spark, sizeof(spark));
	lb_add(&b, "%s", spark);
	l = add_line(f, in, KSM_FL_MEMORY, SEV_INFO, b.buf);
	/* the prefix is ASCII: offsets survive the fitting */
	if (l && (size_t)off < strlen(l->text))
		l->spark = off;
}

static void memory_lines(const struct ksm_frame_input *in, struct ksm_frame *f)
{
	const struct ksm_sample *s = in->cur;
	char prefix[256], size[32], detail[64], meta[32];

	ksm_format_size(f->m.saved_bytes, size, sizeof(size));
	if (s->has_meminfo && s->mem.bytes[MEM_TOTAL])
		snprintf(detail, sizeof(detail), "%.1f%% of RAM",
			 100.0 * (double)f->m.saved_bytes /
			 (double)s->mem.bytes[MEM_TOTAL]);
	else
		detail[0] = '\0';
	snprintf(prefix, sizeof(prefix), "saved  %-7s %-24s", size, detail);
	memory_line(in, f, KSM_HIST_SAVED, prefix);
	ksm_format_ssize(f->m.general_profit, size, sizeof(size));
	ksm_format_size(f->m.rmap_bytes, meta, sizeof(meta));
	snprintf(detail, sizeof(detail), "metadata %s%s", meta,
		 f->m.profit_from_kernel ? "" : ", computed");
	snprintf(prefix, sizeof(prefix), "profit %-7s %-24s", size, detail);
	memory_line(in, f, KSM_HIST_PROFIT, prefix);
}

static void rate(struct lb *b, const char *fmt, double v)
{
	if (isnan(v))
		lb_add(b, "%s", "-");
	else
		lb_add(b, fmt, v);
}

static void rates_line(const struct ksm_frame_input *in, struct ksm_frame *f)
{
	struct lb b = { .len = 0 };
	char d[32];

	if (!f->have_rates) {
		add_line(f, in, KSM_FL_RATES, SEV_INFO,
			 "rates  waiting for a second sample");
		return;
	}
	lb_add(&b, "rates  merged ");
	rate(&b, "%+.0f", f->rates.merged_pages_per_s);
	lb_add(&b, " pages/s   scanned ");
	rate(&b, "%.0f", f->rates.scanned_pages_per_s);
	lb_add(&b, " pages/s   full scans ");
	rate(&b, "%.1f", f->rates.full_scans_per_min);
	ksm_format_duration(in->hist ? in->hist->last_scan_s : NAN, d, sizeof(d));
	lb_add(&b, "/min   last scan %s", d);
	add_line(f, in, KSM_FL_RATES, SEV_INFO, b.buf);
}

__attribute__((format(printf, 4, 5)))
static void add_finding(struct ksm_frame *f, enum ksm_severity sev,
			const char *id, const char *fmt, ...)
{
	struct ksm_finding *x;
	va_list ap;

	if (f->nfindings >= KSM_MAX_FINDINGS)
		return;
	x = &f->findings[f->nfindings++];
	x->severity = sev;
	x->id = id;
	va_start(ap, fmt);
	vsnprintf(x->text, sizeof(x->text), fmt, ap);
	va_end(ap);
}

/* What only a live view can tell: what ksmd's CPU buys. */
static void cost_findings(const struct ksm_frame_input *in, struct ksm_frame *f)
{
	const char *name = ksm_sample_is_uksm(in->cur) ? "uksmd" : "ksmd";
	double pct = f->ksmd_pct;

	if (isnan(pct))
		return;
	if (pct >= KSM_KSMD_CPU_HIGH)
		add_finding(f, SEV_WARNING, "ksmd-cpu",
			    "%s uses %.0f%% of a CPU: lower pages_to_scan or raise sleep_millisecs (or cap the advisor with advisor_max_cpu)",
			    name, pct);
	else if (pct >= KSM_KSMD_CPU_NO_GAIN && f->m.general_profit <= 0)
		add_finding(f, SEV_WARNING, "ksmd-cpu-no-gain",
			    "%s uses %.0f%% of a CPU and merging saves no memory yet",
			    name, pct);
}

static void findings(const struct ksm_frame_input *in, struct ksm_frame *f)
{
	struct ksm_finding more[KSM_MAX_FINDINGS];
	int n, shown, max;
	char text[KSM_FRAME_LINE];

	cost_findings(in, f);
	n = ksm_findings(in->cur, &f->m, more, KSM_MAX_FINDINGS - f->nfindings);
	memcpy(f->findings + f->nfindings, more, (size_t)n * sizeof(*more));
	f->nfindings += n;
	max = !in->height ? KSM_MAX_FINDINGS : in->height >= 40 ? 8 :
	      in->height >= 24 ? 3 : 1;
	shown = f->nfindings <= max ? f->nfindings : max - 1;
	/* worst first: what needs the administrator comes on top */
	for (int sev = SEV_WARNING, k = 0; sev >= SEV_INFO; sev--) {
		for (int i = 0; i < f->nfindings && k < shown; i++) {
			if ((int)f->findings[i].severity != sev)
				continue;
			snprintf(text, sizeof(text), "%-8s %s",
				 ksm_severity_name(f->findings[i].severity),
				 f->findings[i].text);
			add_line(f, in, KSM_FL_FINDING, f->findings[i].severity,
				 text);
			k++;
		}
	}
	if (shown < f->nfindings) {
		snprintf(text, sizeof(text), "... %d more finding%s: 'ksmctl status' lists them all",
			 f->nfindings - shown, f->nfindings - shown == 1 ? "" : "s");
		add_line(f, in, KSM_FL_MORE, SEV_INFO, text);
	}
}

static void summary_line(const struct table *t, struct ksm_frame *f)
{
	const struct ksm_frame_input *in = t->in;
	const struct ksm_procs *p = t->procs;
	enum ksm_group_by by = in->view->by;
	struct ksm_psum total;
	struct lb b = { .len = 0 };
	char merging[32], profit[32];

	if (!p) {
		lb_add(&b, "no process figures");
	} else if (p->no_files) {
		lb_add(&b, "this kernel reports no per-process KSM figures (needs Linux 5.19)");
	} else {
		ksm_procs_total(p, &total);
		if (by)
			lb_add(&b, "%zu %s, ", t->n, group_plurals[by]);
		if (in->only_pids)
			lb_add(&b, "%zu of %zu process%s asked for", p->n,
			       in->procs_total, in->procs_total == 1 ? "" : "es");
		else
			lb_add(&b, "%zu process%s with KSM use, of %zu", p->n,
			       p->n == 1 ? "" : "es", in->procs_total);
		if (p->denied + p->failed)
			lb_add(&b, " (%zu unreadable)", p->denied + p->failed);
		size_cell(t, &total.st, KSM_PF_MERGING, total.st.merging_pages,
			  merging, sizeof(merging));
		if (total.st.profit_known)
			ksm_format_ssize(total.st.profit, profit, sizeof(profit));
		else
			snprintf(profit, sizeof(profit), "-");
		lb_add(&b, "   merging %s, profit %s", merging, profit);
	}
	ksm_fit(b.buf, in->width ? in->width : -1, false, in->utf8, f->summary,
		sizeof(f->summary));
}

static void clamp_view(const struct ksm_frame_input *in, struct ksm_frame *f)
{
	size_t sel = in->view->selected, top = in->view->top;
	int room = in->height - ksm_frame_fixed_lines(f) - 1;

	f->visible = !in->height ? f->nrows : room > 0 ? (size_t)room : 0;
	if (!f->nrows) {
		f->top = f->selected = 0;
		return;
	}
	if (sel >= f->nrows)
		sel = f->nrows - 1;
	if (top > sel)
		top = sel;
	if (f->visible && sel >= top + f->visible)
		top = sel - f->visible + 1;
	if (f->nrows > f->visible && top > f->nrows - f->visible)
		top = f->nrows - f->visible;
	if (f->nrows <= f->visible)
		top = 0;
	f->top = top;
	f->selected = sel;
}

static double ksmd_pct(const struct ksm_frame_input *in)
{
	long long ns;

	if (!in->ksmd_known || !in->prev || in->ksmd_cur_ns < in->ksmd_prev_ns)
		return NAN;
	ns = ksm_elapsed_ns(&in->prev->when, &in->cur->when);
	if (ns <= 0)
		return NAN;
	return (double)(in->ksmd_cur_ns - in->ksmd_prev_ns) * 100.0 / (double)ns;
}

int ksm_frame_compute(const struct ksm_frame_input *in, struct ksm_frame *f)
{
	struct table t = {
		.in = in, .procs = in->procs, .page = in->cur->page_size,
	};
	struct columns c;
	int err;

	memset(f, 0, sizeof(*f));
	ksm_metrics_compute(in->cur, &f->m);
	if (in->prev) {
		ksm_rates_compute(in->prev, in->cur, &f->rates);
		f->have_rates = f->rates.seconds > 0;
	}
	f->ksmd_pct = ksmd_pct(in);
	f->sort = t.sort = ksm_view_sort(in->view);
	ksm_system_stat(in->cur, &t.system);

	title_line(in, f);
	settings_lines(in, f);
	memory_lines(in, f);
	rates_line(in, f);
	findings(in, f);

	err = collect(&t, in->view->by);
	if (!err) {
		summary_line(&t, f);
		plan_columns(&t, &c);
		build_headings(&t, &c, f);
		err = build_rows(&t, &c, f);
	}
	free(t.items);
	free(t.groups);
	if (err) {
		ksm_frame_free(f);
		return err;
	}
	clamp_view(in, f);
	return 0;
}

void ksm_frame_free(struct ksm_frame *f)
{
	free(f->rows);
	free(f->pool);
	f->rows = NULL;
	f->pool = NULL;
	f->nrows = f->pool_len = f->pool_cap = 0;
}
