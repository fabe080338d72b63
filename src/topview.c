// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl top's frames laid out: the model of lib/topframe.c as lines of
 * text that fit a screen (see topview.h).
 */
#include "topview.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/escape.h"
#include "lib/textfit.h"
#include "lib/units.h"

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

/* ---- cells ------------------------------------------------------------------ */

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

static void size_cell(const struct ksm_procstat *st, enum ksm_pfield f,
		      unsigned long long pages, long page, char *buf, size_t size)
{
	if (!(st->have & KSM_PF_BIT(f)))
		snprintf(buf, size, "-");
	else
		ksm_format_size(pages * (unsigned long long)page, buf, size);
}

/* As `ps` shows them: units as systemctl prints them, controls escaped. */
static void name_cell(const char *s, char *buf, size_t size)
{
	if (!*s)
		snprintf(buf, size, "-");
	else
		ksm_escape_name(s, buf, size);
}

/* One cell's text, in top's short forms (escaped where not ours). */
static void cell(const struct ksm_frame_model *m, const struct ksm_prow *r,
		 enum ksm_pcol col, char *buf, size_t size)
{
	const struct ksm_procstat *st = r->st;
	long page = m->rows_ctx.page_size;
	double pct;

	switch (col) {
	case KSM_PCOL_PID:
		snprintf(buf, size, "%d", r->proc->pid);
		break;
	case KSM_PCOL_PROCS:
		snprintf(buf, size, "%zu", r->sum->procs);
		break;
	case KSM_PCOL_MERGING:
		size_cell(st, KSM_PF_MERGING, st->merging_pages, page, buf, size);
		break;
	case KSM_PCOL_ZERO:
		size_cell(st, KSM_PF_ZERO, st->zero_pages, page, buf, size);
		break;
	case KSM_PCOL_RMAP:
		if (st->have & KSM_PF_BIT(KSM_PF_RMAP))
			format_count(st->rmap_items, buf, size);
		else
			snprintf(buf, size, "-");
		break;
	case KSM_PCOL_PROFIT:
		if (st->profit_known)
			ksm_format_ssize(st->profit, buf, size);
		else
			snprintf(buf, size, "-");
		break;
	case KSM_PCOL_SHARE:
		pct = ksm_share_pct(st, &m->system);
		if (isnan(pct))
			snprintf(buf, size, "-");
		else
			snprintf(buf, size, "%.1f%%", pct);
		break;
	case KSM_PCOL_VERDICT:
		snprintf(buf, size, "%s",
			 ksm_verdict_text(ksm_procstat_verdict(st, page)));
		break;
	default:
		if (ksm_pcols[col].kind == KSM_PK_NAME)
			name_cell(ksm_prow_name(&m->rows_ctx, r, col), buf, size);
		else
			buf[0] = '\0';
	}
}

/* ---- the table ------------------------------------------------------------- */

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
	enum ksm_pcol col[KSM_PCOL_COUNT];
	int width[KSM_PCOL_COUNT];
	int n;
	enum ksm_pcol key;	/* a grouped view's name column */
};

/* What the table is laid out from. */
struct table {
	const struct ksm_frame_input *in;
	const struct ksm_frame_model *m;
};

static const char *sort_marker(bool utf8)
{
	return utf8 ? "\u25bc" : "*";
}

static void heading(const struct table *t, enum ksm_pcol col, char *buf,
		    size_t size)
{
	snprintf(buf, size, "%s%s", ksm_pcols[col].name,
		 col == t->m->sort ? sort_marker(t->in->utf8) : "");
}

/* A column's width on the screen: the table's, 0 for a flexible one. */
static int screen_width(const struct columns *c, int i)
{
	/* a group's name takes what is left, as a unit does */
	if (c->key != KSM_PCOL_PID && c->col[i] == c->key)
		return 0;
	return ksm_pcols[c->col[i]].screen_width;
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
	enum ksm_group_by by = in->view->by;
	int fixed = 0, flex = -1;
	char buf[1024];

	c->n = ksm_view_columns(by, c->col);
	c->key = by ? ksm_pcol_key(by) : KSM_PCOL_PID;
	for (int i = 0; i < c->n; i++) {
		c->width[i] = screen_width(c, i);
		if (!c->width[i])
			flex = i;
		fixed += c->width[i] + (i ? 1 : 0);
	}
	if (!in->width) {
		heading(t, c->col[flex], buf, sizeof(buf));
		c->width[flex] = ksm_text_width(buf, in->utf8);
		for (size_t r = 0; r < t->m->nrows; r++) {
			int w;

			cell(t->m, &t->m->rows[r], c->col[flex], buf, sizeof(buf));
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
			need += by ? 8 : 6;
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
		enum ksm_pcol col = c->col[i];

		if (i)
			append(f->headings, sizeof(f->headings), &len, " ");
		heading(t, col, buf, sizeof(buf));
		/* batch: no padding after the last heading */
		ksm_fit(buf, i == c->n - 1 && !t->in->width ? -1 : c->width[i],
			ksm_pcols[col].flags & KSM_PCOL_RIGHT, t->in->utf8, fitted,
			sizeof(fitted));
		if (col == t->m->sort) {
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
	const struct ksm_frame_model *m = t->m;
	bool cgroup_key = t->in->view->by == KSM_BY_CGROUP && t->in->width;

	f->rows = calloc(m->nrows ? m->nrows : 1, sizeof(*f->rows));
	if (!f->rows)
		return -ENOMEM;
	for (size_t r = 0; r < m->nrows; r++) {
		const struct ksm_prow *it = &m->rows[r];
		struct ksm_frow *row = &f->rows[r];
		size_t len = 0;
		int err;

		line[0] = '\0';
		for (int i = 0; i < c->n; i++) {
			bool last = i == c->n - 1;

			if (i)
				append(line, sizeof(line), &len, " ");
			cell(m, it, c->col[i], buf, sizeof(buf));
			if (cgroup_key && c->col[i] == c->key) {
				char cut[KSM_FRAME_LINE];

				ksm_cut(buf, c->width[i], KSM_CUT_START, t->in->utf8,
					cut, sizeof(cut));
				ksm_fit(cut, c->width[i], false, t->in->utf8, fitted,
					sizeof(fitted));
			} else	/* batch: no padding after the last cell */
				ksm_fit(buf, last && !t->in->width ? -1 : c->width[i],
					ksm_pcols[c->col[i]].flags & KSM_PCOL_RIGHT,
					t->in->utf8, fitted, sizeof(fitted));
			append(line, sizeof(line), &len, fitted);
		}
		if (!t->in->width)
			rtrim(line, &len);
		err = pool_add(f, line, &row->text);
		if (err)
			return err;
		row->pid = it->proc ? it->proc->pid : 0;
		row->key = it->sum ? it->sum->key : 0;
		row->loss = ksm_frame_model_loss(m, r);
		f->nrows++;
	}
	return 0;
}

/* ---- header lines ---------------------------------------------------------- */

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

/* The scale of a sparkline, "[1.2G..1.3G]", in a column of its own. */
#define RANGE_W 16
#define BATCH_SPARK 60

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


/* A memory line: the model's text, the range and the sparkline of its
 * history in what the width leaves. */
static void memory_line(const struct ksm_frame_input *in, struct ksm_frame *f,
			const struct ksm_model_line *ml)
{
	char spark[KSM_HIST_MAX * 3 + 1], range[80], text[KSM_FRAME_LINE];
	double v[KSM_HIST_MAX];
	struct ksm_fline *l;
	size_t n = 0, room = 0, len;
	int pw = ksm_text_width(ml->text, in->utf8), off;

	if (in->hist) {
		if (!in->width)
			room = BATCH_SPARK;
		else if (in->width > pw + RANGE_W + 3)
			room = (size_t)(in->width - pw - RANGE_W - 2);
		n = ksm_history_values(in->hist, ml->series, v, room);
	}
	snprintf(text, sizeof(text), "%s", ml->text);
	len = strlen(text);
	if (!n) {
		/* nothing follows: no padding at the end */
		rtrim(text, &len);
		add_line(f, in, KSM_FL_MEMORY, SEV_INFO, text);
		return;
	}
	/* saved and profit: their sparklines start in the same column */
	range_text(v, n, range, sizeof(range));
	ksm_sparkline(v, n, in->utf8, spark, sizeof(spark));
	off = snprintf(text + len, sizeof(text) - len, " %-*s ", RANGE_W, range);
	off = off < 0 ? (int)len : (int)len + off;
	snprintf(text + off, sizeof(text) - (size_t)off, "%s", spark);
	l = add_line(f, in, KSM_FL_MEMORY, SEV_INFO, text);
	/* the prefix is ASCII: offsets survive the fitting */
	if (l && (size_t)off < strlen(l->text))
		l->spark = off;
}

/* The findings, worst first, as many as the height leaves room for. */
static void findings(const struct ksm_frame_input *in,
		     const struct ksm_frame_model *m, struct ksm_frame *f)
{
	char text[KSM_FRAME_LINE];
	int shown, max;

	max = !in->height ? KSM_MAX_FINDINGS : in->height >= 40 ? 8 :
	      in->height >= 24 ? 3 : 1;
	shown = m->nfindings <= max ? m->nfindings : max - 1;
	/* worst first: what needs the administrator comes on top */
	for (int sev = SEV_WARNING, k = 0; sev >= SEV_INFO; sev--) {
		for (int i = 0; i < m->nfindings && k < shown; i++) {
			if ((int)m->findings[i].severity != sev)
				continue;
			snprintf(text, sizeof(text), "%-8s %s",
				 ksm_severity_name(m->findings[i].severity),
				 m->findings[i].text);
			add_line(f, in, KSM_FL_FINDING, m->findings[i].severity,
				 text);
			k++;
		}
	}
	if (shown < m->nfindings) {
		snprintf(text, sizeof(text), "... %d more finding%s: 'ksmctl status' lists them all",
			 m->nfindings - shown, m->nfindings - shown == 1 ? "" : "s");
		add_line(f, in, KSM_FL_MORE, SEV_INFO, text);
	}
}

static void head_lines(const struct ksm_frame_input *in,
		       const struct ksm_frame_model *m, struct ksm_frame *f)
{
	for (int i = 0; i < m->nlines; i++) {
		if (m->line[i].kind == KSM_FL_MEMORY)
			memory_line(in, f, &m->line[i]);
		else
			add_line(f, in, m->line[i].kind, SEV_INFO, m->line[i].text);
	}
	findings(in, m, f);
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

/* The figures behind the text, for whoever wants more than the text. */
static void keep_figures(const struct ksm_frame_model *m, struct ksm_frame *f)
{
	f->m = m->m;
	f->rates = m->rates;
	f->have_rates = m->have_rates;
	f->ksmd_pct = m->ksmd_pct;
	memcpy(f->findings, m->findings, sizeof(f->findings));
	f->nfindings = m->nfindings;
	f->sort = m->sort;
}

int ksm_frame_compute(const struct ksm_frame_input *in, struct ksm_frame *f)
{
	struct ksm_frame_model m;
	struct table t = { .in = in, .m = &m };
	struct columns c;
	int err;

	memset(f, 0, sizeof(*f));
	err = ksm_frame_model_compute(in, &m);
	if (err)
		return err;
	keep_figures(&m, f);
	head_lines(in, &m, f);
	ksm_fit(m.summary, in->width ? in->width : -1, false, in->utf8,
		f->summary, sizeof(f->summary));
	plan_columns(&t, &c);
	build_headings(&t, &c, f);
	err = build_rows(&t, &c, f);
	ksm_frame_model_free(&m);
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
