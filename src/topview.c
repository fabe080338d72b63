// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl top's frames laid out: the model of lib/topframe.c as lines of
 * text that fit a screen (see topview.h).
 */
#include "topview.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
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
		ksm_format_size(ksm_pages_bytes(pages, page), buf, size);
}

/* As `ps` shows them: units as systemctl prints them, controls escaped. */
static void name_cell(const char *s, char *buf, size_t size)
{
	if (!*s)
		snprintf(buf, size, "-");
	else
		ksm_escape(s, buf, size);
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

struct columns {
	enum ksm_pcol col[KSM_PCOL_COUNT];
	int width[KSM_PCOL_COUNT];
	int n;
	enum ksm_pcol key;	/* a grouped view's name column */
	int pad;		/* blanks after the last column (screen) */
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

/* A name column: as wide as its widest cell, cut to what is left. */
static bool is_name(const struct table *t, enum ksm_pcol col)
{
	return ksm_pcols[col].screen_width == 0 ||
	       (t->in->view->by && col == ksm_pcol_key(t->in->view->by));
}

/* Narrower than this a name says too little to be worth its room. */
#define NAME_MIN 6

/* The widths a column wants and makes do with: a figure its own, a
 * name its widest cell (or heading), NAME_MIN at least. */
static void column_widths(const struct table *t, enum ksm_pcol col,
			  int *want, int *least)
{
	char buf[1024];
	int w;

	heading(t, col, buf, sizeof(buf));
	*want = ksm_text_width(buf, t->in->utf8);
	if (!is_name(t, col)) {
		*want = *want > ksm_pcols[col].screen_width ? *want :
			ksm_pcols[col].screen_width;
		*least = *want;
		return;
	}
	*least = *want > NAME_MIN ? *want : NAME_MIN;
	for (size_t r = 0; r < t->m->nrows; r++) {
		cell(t->m, &t->m->rows[r], col, buf, sizeof(buf));
		w = ksm_text_width(buf, t->in->utf8);
		*want = w > *want ? w : *want;
	}
	*least = *least < *want ? *least : *want;
}

/* The columns a view keeps first: the default ones, its key and the
 * column it is sorted by (else the sort would be invisible). */
static bool required(const struct table *t, enum ksm_pcol col)
{
	return (ksm_pcols[col].flags & KSM_PCOL_DEFAULT) ||
	       col == t->m->sort ||
	       (t->in->view->by && col == ksm_pcol_key(t->in->view->by));
}

/* A plan being made: which of the view's columns are on, how wide. */
struct plan {
	enum ksm_pcol col[KSM_PCOL_COUNT];
	int want[KSM_PCOL_COUNT], least[KSM_PCOL_COUNT], width[KSM_PCOL_COUNT];
	bool on[KSM_PCOL_COUNT], name[KSM_PCOL_COUNT];
	int n;
};

/* Columns taken by the columns that are on, at their widths. */
static int plan_used(const struct plan *p)
{
	int used = 0, k = 0;

	for (int i = 0; i < p->n; i++)
		if (p->on[i])
			used += p->width[i] + (k++ ? 1 : 0);
	return used;
}

/* Too wide at its least: the default columns go from the right, the
 * first (the pid, a group's name) stays.  Whether any went. */
static bool drop_required(struct plan *p, int room)
{
	bool dropped = false;

	for (int i = 0; i < p->n; i++)
		p->width[i] = p->least[i];
	for (int i = p->n - 1; i > 0 && plan_used(p) > room; i--) {
		if (p->on[i]) {
			p->on[i] = false;
			dropped = true;
		}
	}
	return dropped;
}

/*
 * The other columns, left to right, when they fit as they want (a name
 * whole); the first name that does not may still take what is left,
 * cut, when that is its least.
 */
static void add_optional(struct plan *p, int room)
{
	bool cut_one = false;

	for (int i = 0; i < p->n; i++) {
		int used = plan_used(p) + 1;

		if (p->on[i])
			continue;
		if (used + p->want[i] <= room) {
			p->on[i] = true;
			p->width[i] = p->want[i];
		} else if (p->name[i] && !cut_one && used + p->least[i] <= room) {
			p->on[i] = true;
			p->width[i] = room - used;
			cut_one = true;
		}
	}
}

/* Names too wide for the room give way, the widest first. */
static void shrink_names(struct plan *p, int room)
{
	int over = plan_used(p) - room;

	while (over > 0) {
		int widest = -1;

		for (int i = 0; i < p->n; i++)
			if (p->on[i] && p->name[i] && p->width[i] > p->least[i] &&
			    (widest < 0 || p->width[i] > p->width[widest]))
				widest = i;
		if (widest < 0)
			break;
		p->width[widest]--;
		over--;
	}
}

/*
 * Lay the view's columns out for the width.  Figures have their width,
 * names the width of their widest cell (never stretched to fill a wide
 * screen).  The default columns, the key and the sort column come
 * first, names as wide as they want; then the others, left to right, as
 * room allows (ZERO and RMAP from 120 columns, VM and CGROUP on a wide
 * screen); names give way, the widest first, when they do not fit.
 * Batch (no width): every column, whole.
 */
static void plan_columns(const struct table *t, struct columns *c)
{
	const struct ksm_frame_input *in = t->in;
	struct plan p;
	bool dropped = false;

	memset(&p, 0, sizeof(p));
	p.n = ksm_view_columns(in->view->by, p.col);
	c->key = in->view->by ? ksm_pcol_key(in->view->by) : KSM_PCOL_PID;
	for (int i = 0; i < p.n; i++) {
		column_widths(t, p.col[i], &p.want[i], &p.least[i]);
		p.name[i] = is_name(t, p.col[i]);
		p.on[i] = !in->width || required(t, p.col[i]);
		p.width[i] = p.want[i];
	}
	if (in->width) {
		if (plan_used(&p) > in->width) {
			dropped = drop_required(&p, in->width);
			for (int i = 0; i < p.n; i++)
				p.width[i] = p.want[i];
		}
		/* no more columns while default ones are missing */
		if (!dropped)
			add_optional(&p, in->width);
		shrink_names(&p, in->width);
	}
	c->n = 0;
	for (int i = 0; i < p.n; i++) {
		if (!p.on[i])
			continue;
		c->col[c->n] = p.col[i];
		c->width[c->n++] = p.width[i];
	}
	c->pad = in->width > plan_used(&p) ? in->width - plan_used(&p) : 0;
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

/* The screen's blanks after the last column: a highlighted row spans
 * the whole width. */
static void pad_line(const struct columns *c, char *line, size_t size,
		     size_t *len)
{
	for (int i = 0; i < c->pad && *len + 1 < size; i++)
		append(line, size, len, " ");
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
	pad_line(c, f->headings, sizeof(f->headings), &len);
	if (!t->in->width)
		rtrim(f->headings, &len);
}

/* One cell at its column's width: a name too long for it cut with an
 * ellipsis (a path from the left), so that it never passes for whole. */
static void fit_cell(const struct table *t, const struct columns *c, int i,
		     const char *text, char *out, size_t size)
{
	unsigned int flags = ksm_pcols[c->col[i]].flags;
	bool last = i == c->n - 1;
	char cut[KSM_FRAME_LINE];

	if (!t->in->width) {	/* batch: whole, no padding after the last */
		ksm_fit(text, last ? -1 : c->width[i], flags & KSM_PCOL_RIGHT,
			t->in->utf8, out, size);
		return;
	}
	ksm_cut(text, c->width[i], flags & KSM_PCOL_CUT_START ? KSM_CUT_START :
		KSM_CUT_END, t->in->utf8, cut, sizeof(cut));
	ksm_fit(cut, c->width[i], flags & KSM_PCOL_RIGHT, t->in->utf8, out, size);
}

static int build_rows(const struct table *t, const struct columns *c,
		      struct ksm_frame *f)
{
	char line[KSM_FRAME_LINE], buf[1024], fitted[KSM_FRAME_LINE];
	const struct ksm_frame_model *m = t->m;

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
			if (i)
				append(line, sizeof(line), &len, " ");
			cell(m, it, c->col[i], buf, sizeof(buf));
			fit_cell(t, c, i, buf, fitted, sizeof(fitted));
			append(line, sizeof(line), &len, fitted);
		}
		pad_line(c, line, sizeof(line), &len);
		if (!t->in->width)
			rtrim(line, &len);
		err = ksm_strpool_add(&f->pool, line, &row->text);
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
	/* a line too long is cut after a word, and says so */
	ksm_cut(text, in->width ? in->width : -1, KSM_CUT_WORD, in->utf8, l->text,
		sizeof(l->text));
	return l;
}

int ksm_wrap(const char *text, int width, int indent, bool utf8,
	     char (*out)[KSM_FRAME_LINE], int max)
{
	const char *p = text;
	int n = 0;

	while (*p && n < max) {
		int room = width - (n ? indent : 0);
		char part[KSM_FRAME_LINE];
		size_t len = strlen(p), take;

		if (room < 1)
			break;
		/* the last line there is room for: what is left, cut */
		if (n == max - 1 || ksm_text_width(p, utf8) <= room) {
			snprintf(part, sizeof(part), "%s", p);
			take = len;
		} else {
			take = ksm_break(p, room, utf8);
			if (take >= sizeof(part))
				take = sizeof(part) - 1;
			memcpy(part, p, take);
			part[take] = '\0';
		}
		snprintf(out[n], KSM_FRAME_LINE, "%*s", n ? indent : 0, "");
		ksm_cut(part, room, KSM_CUT_WORD, utf8, out[n] + strlen(out[n]),
			KSM_FRAME_LINE - strlen(out[n]));
		n++;
		p += take;
		while (*p == ' ')
			p++;
	}
	return n;
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

/* A finding's continuation lines start under its text. */
#define FINDING_INDENT 9
/* ... and take at most this many lines. */
#define FINDING_LINES 3

/*
 * One finding in the lines left (reserve: one of them kept for the
 * "more findings" line): whole, wrapped, when it fits; else its first
 * line, cut after a word.  Whether it was shown.
 */
static bool finding(const struct ksm_frame_input *in, const struct ksm_finding *x,
		    struct ksm_frame *f, int *left, int reserve)
{
	char text[KSM_FRAME_LINE], lines[FINDING_LINES][KSM_FRAME_LINE];
	int n = 1;

	snprintf(text, sizeof(text), "%-8s %s", ksm_severity_name(x->severity),
		 x->text);
	if (in->width)
		n = ksm_wrap(text, in->width, FINDING_INDENT, in->utf8, lines,
			     FINDING_LINES);
	if (!in->width || n > *left - reserve) {
		if (*left - reserve < 1)
			return false;
		add_line(f, in, KSM_FL_FINDING, x->severity, text);
		(*left)--;
		return true;
	}
	for (int i = 0; i < n; i++)
		add_line(f, in, KSM_FL_FINDING, x->severity, lines[i]);
	*left -= n;
	return true;
}

/*
 * The findings, worst first, wrapped, in as many lines as the height
 * leaves room for (batch: one line each); a line says how many more
 * there are.
 */
static void findings(const struct ksm_frame_input *in,
		     const struct ksm_frame_model *m, struct ksm_frame *f)
{
	char text[KSM_FRAME_LINE];
	int shown = 0, left, seen = 0;

	left = !in->height ? KSM_MAX_FINDINGS : in->height >= 40 ? 8 :
	       in->height >= 24 ? 3 : 1;
	/* worst first: what needs the administrator comes on top */
	for (int sev = SEV_WARNING; sev >= SEV_INFO; sev--) {
		for (int i = 0; i < m->nfindings; i++) {
			if ((int)m->findings[i].severity != sev)
				continue;
			seen++;
			if (shown == seen - 1 &&
			    finding(in, &m->findings[i], f, &left,
				    seen < m->nfindings ? 1 : 0))
				shown++;
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
	ksm_cut(m.summary, in->width ? in->width : -1, KSM_CUT_WORD, in->utf8,
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

/* ---- the key bar ------------------------------------------------------- */

static int hint_width(const struct ksm_key_hint *h, bool utf8)
{
	return ksm_text_width(h->key, utf8) + 1 + ksm_text_width(h->label, utf8);
}

int ksm_keybar(const struct ksm_key_hint *h, size_t n, int width, bool utf8,
	       bool *shown)
{
	int used = 0;

	for (size_t i = 0; i < n; i++)
		shown[i] = false;
	/* best ranked first, each when it still fits */
	for (int rank = 1; rank <= (int)n * 2; rank++) {
		for (size_t i = 0; i < n; i++) {
			int w = hint_width(&h[i], utf8) + (used ? 2 : 0);

			if (h[i].rank != rank || used + w > width)
				continue;
			shown[i] = true;
			used += w;
		}
	}
	return used;
}

/* ---- one process in detail ------------------------------------------------ */

__attribute__((format(printf, 2, 3)))
static int line_add(struct ksm_lines *l, const char *fmt, ...)
{
	char text[KSM_FRAME_LINE];
	va_list ap;
	int err;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (l->n == l->ncap) {
		size_t cap = l->ncap ? l->ncap * 2 : 64;
		size_t *off = realloc(l->off, cap * sizeof(*off));

		if (!off)
			return -ENOMEM;
		l->off = off;
		l->ncap = cap;
	}
	err = ksm_strpool_add(&l->pool, text, &l->off[l->n]);
	if (!err)
		l->n++;
	return err;
}

void ksm_lines_free(struct ksm_lines *l)
{
	ksm_strpool_free(&l->pool);
	free(l->off);
	memset(l, 0, sizeof(*l));
}

/* "label    value", the value wrapped under itself when too long (a
 * cgroup path is read whole here, not cut). */
static int labelled(struct ksm_lines *l, const struct ksm_detail_input *d,
		    const char *label, const char *value)
{
	char text[KSM_FRAME_LINE], lines[8][KSM_FRAME_LINE];
	int n, err = 0;

	snprintf(text, sizeof(text), "%-8s %s", label, value);
	if (!d->width)
		return line_add(l, "%s", text);
	n = ksm_wrap(text, d->width, FINDING_INDENT, d->utf8, lines, 8);
	for (int i = 0; i < n && !err; i++)
		err = line_add(l, "%s", lines[i]);
	return err;
}

/* A name of the process, escaped; "-" when it has none. */
static int name_line(struct ksm_lines *l, const struct ksm_detail_input *d,
		     const char *label, size_t off)
{
	char esc[KSM_FRAME_LINE];

	name_cell(ksm_procs_str(d->procs, off), esc, sizeof(esc));
	return labelled(l, d, label, esc);
}

static int who_lines(struct ksm_lines *l, const struct ksm_detail_input *d)
{
	const struct ksm_proc *p = &d->procs->v[0];
	char comm[256], user[256];
	int err;

	name_cell(ksm_procs_str(d->procs, p->comm), comm, sizeof(comm));
	name_cell(ksm_procs_str(d->procs, p->user), user, sizeof(user));
	if (p->has_uid)
		err = line_add(l, "process %d  %s  user %s (uid %u)", p->pid, comm,
			       user, p->uid);
	else
		err = line_add(l, "process %d  %s", p->pid, comm);
	if (!err)
		err = name_line(l, d, "unit", p->unit);
	if (!err)
		err = name_line(l, d, "VM", p->vm);
	if (!err)
		err = name_line(l, d, "cgroup", p->cgroup);
	return err;
}

static int verdict_lines(struct ksm_lines *l, const struct ksm_detail_input *d)
{
	const struct ksm_procstat *st = &d->procs->v[0].st;
	enum ksm_verdict v = ksm_procstat_verdict(st, d->page_size);
	unsigned long long merged = st->merging_pages + st->zero_pages;
	long limit = d->page_size / KSM_RMAP_ITEM_SIZE;
	char text[256];
	double share = ksm_share_pct(st, d->system);
	int err;

	if (v == KSM_VERDICT_NONE)
		snprintf(text, sizeof(text), "none yet: nothing scanned");
	else if (!merged)
		snprintf(text, sizeof(text), "%s: %llu pages tracked, none merged",
			 ksm_verdict_text(v), st->rmap_items);
	else
		snprintf(text, sizeof(text),
			 "%s: %.1f rmap items per merged page; over %ld is waste (not worth scanning)",
			 ksm_verdict_text(v), (double)st->rmap_items / (double)merged,
			 limit);
	err = labelled(l, d, "verdict", text);
	if (err)
		return err;
	if (isnan(share))
		return labelled(l, d, "share", "-");
	snprintf(text, sizeof(text), "%.1f%% of all KSM merged", share);
	return labelled(l, d, "share", text);
}

/* One field of ksm_stat: its value, and what it means in bytes. */
static int stat_line(struct ksm_lines *l, const struct ksm_procstat *st,
		     enum ksm_pfield f, long page)
{
	const char *name = ksm_pfield_name(f);
	char size[32];
	enum ksm_tri tri;

	if (!(st->have & KSM_PF_BIT(f)))
		return f == KSM_PF_COW ? 0 :
		       line_add(l, "  %-19s %12s", name, "not reported");
	switch (f) {
	case KSM_PF_RMAP:
		ksm_format_size(st->rmap_items * (unsigned long long)KSM_RMAP_ITEM_SIZE,
				size, sizeof(size));
		return line_add(l, "  %-19s %12llu  metadata %s", name,
				st->rmap_items, size);
	case KSM_PF_ZERO:
	case KSM_PF_MERGING:
	case KSM_PF_COW: {
		unsigned long long pages = f == KSM_PF_ZERO ? st->zero_pages :
			f == KSM_PF_MERGING ? st->merging_pages : st->cow_pages;

		ksm_format_size(pages * (unsigned long long)page, size, sizeof(size));
		return line_add(l, "  %-19s %12llu  %s", name, pages, size);
	}
	case KSM_PF_PROFIT:
		ksm_format_ssize(st->profit, size, sizeof(size));
		return line_add(l, "  %-19s %12lld  %s", name, st->profit, size);
	default:
		tri = f == KSM_PF_MERGE_ANY ? st->merge_any : st->mergeable;
		return line_add(l, "  %-19s %12s", name, tri == KSM_TRI_YES ? "yes" :
				tri == KSM_TRI_NO ? "no" : "-");
	}
}

static int stat_lines(struct ksm_lines *l, const struct ksm_detail_input *d)
{
	const struct ksm_procstat *st = &d->procs->v[0].st;
	int err = line_add(l, "%s", "");

	if (!err)
		err = line_add(l, "ksm_stat of process %d", d->pid);
	for (int f = 0; f < KSM_PF_COUNT && !err; f++)
		err = stat_line(l, st, (enum ksm_pfield)f, d->page_size);
	if (!err && st->profit_computed)
		err = line_add(l, "  (ksm_process_profit computed with the kernel's formula)");
	return err;
}

/* One area: "7f00..-7f80.. rw-p  SIZE  RSS  KSM  NAME", its name cut
 * from the left to what the width leaves. */
static int area_line(struct ksm_lines *l, const struct ksm_detail_input *d,
		     const struct ksm_area *ar)
{
	char size[16], rss[16], ksm[16], name[KSM_FRAME_LINE], cut[KSM_FRAME_LINE];
	char head[160];
	int room;

	ksm_format_size(ar->end - ar->start, size, sizeof(size));
	ksm_format_size(ar->rss_kb * 1024, rss, sizeof(rss));
	if (ar->has_ksm)
		ksm_format_size(ar->ksm_kb * 1024, ksm, sizeof(ksm));
	else
		snprintf(ksm, sizeof(ksm), "-");
	snprintf(head, sizeof(head), "  %12llx-%-12llx %s %7s %7s %7s ", ar->start,
		 ar->end, ar->perms, size, rss, ksm);
	ksm_escape(ar->name[0] ? ar->name : "[anon]", name, sizeof(name));
	room = d->width ? d->width - ksm_text_width(head, d->utf8) : -1;
	ksm_cut(name, room, KSM_CUT_START, d->utf8, cut, sizeof(cut));
	return line_add(l, "%s%s", head, cut);
}

static int area_lines(struct ksm_lines *l, const struct ksm_detail_input *d)
{
	const struct ksm_areas *a = d->areas;
	char size[16], rss[16], ksm[16];
	int err = line_add(l, "%s", "");

	if (err)
		return err;
	if (!a || d->areas_err)
		return line_add(l, "mergeable areas: proc/%d/smaps: cannot read: %s",
				d->pid, strerror(d->areas_err ? -d->areas_err : ENOENT));
	ksm_format_size(a->size_kb * 1024, size, sizeof(size));
	ksm_format_size(a->rss_kb * 1024, rss, sizeof(rss));
	ksm_format_size(a->ksm_kb * 1024, ksm, sizeof(ksm));
	if (!a->mergeable)
		return line_add(l, "mergeable areas (smaps, VmFlags mg): none of %zu",
				a->total);
	err = line_add(l, "mergeable areas (smaps, VmFlags mg): %zu of %zu, %s, resident %s%s%s",
		       a->mergeable, a->total, size, rss,
		       a->has_ksm ? ", KSM " : "", a->has_ksm ? ksm : "");
	if (!err)
		err = line_add(l, "  %25s %s %7s %7s %7s %s", "ADDRESSES", "PERM",
			       "SIZE", "RSS", "KSM", "NAME");
	for (size_t i = 0; i < a->n && !err; i++)
		err = area_line(l, d, &a->v[i]);
	if (!err && a->mergeable > a->n)
		err = line_add(l, "  ... %zu more", a->mergeable - a->n);
	if (!err && !a->has_ksm)
		err = line_add(l, "  (this kernel has no KSM: line in smaps: no count per area)");
	return err;
}

int ksm_detail_compute(const struct ksm_detail_input *d, struct ksm_lines *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	if (!d->procs || d->err || d->procs->n != 1) {
		int e = d->err ? -d->err : ENOENT;

		if (e == ESRCH || e == ENOENT)
			err = line_add(out, "process %d has exited", d->pid);
		else if (e == ENODATA)
			err = line_add(out, "process %d: kernel thread or zombie: no memory for KSM",
				       d->pid);
		else
			err = line_add(out, "process %d: proc/%d/ksm_stat: cannot read: %s",
				       d->pid, d->pid, strerror(e));
	} else {
		err = who_lines(out, d);
		if (!err)
			err = verdict_lines(out, d);
		if (!err)
			err = stat_lines(out, d);
		if (!err)
			err = area_lines(out, d);
	}
	if (err)
		ksm_lines_free(out);
	return err;
}

void ksm_frame_free(struct ksm_frame *f)
{
	free(f->rows);
	ksm_strpool_free(&f->pool);
	f->rows = NULL;
	f->nrows = 0;
}
