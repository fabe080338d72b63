// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl top's frame model: what a frame says, computed from samples, a
 * process scan and the view, with no terminal and no width involved
 * (see topframe.h).
 */
#include "topframe.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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


/* "2s", "0.5s" */
static void format_delay(double s, char *buf, size_t size)
{
	snprintf(buf, size, "%gs", s);
}

/* ---- the view ------------------------------------------------------------ */

int ksm_view_columns(enum ksm_group_by by, enum ksm_pcol *cols)
{
	return ksm_pcol_defaults(by, true, cols);
}

/* Is col on top's screen in some view (the view's own or another)? */
static bool on_some_screen(enum ksm_pcol col)
{
	return ksm_pcols[col].screen_width >= 0 ||
	       ksm_pcols[col].key != KSM_BY_NONE;
}

static int column_index(enum ksm_group_by by, enum ksm_pcol col)
{
	enum ksm_pcol cols[KSM_PCOL_COUNT];
	int n = ksm_view_columns(by, cols);

	for (int i = 0; i < n; i++)
		if (cols[i] == col)
			return i;
	return -1;
}

int ksm_view_parse_sort(const char *name, enum ksm_group_by by,
			enum ksm_pcol *out)
{
	int col = ksm_pcol_find(name, strlen(name));

	/* a column ps has but top never shows is not one of top's */
	if (col < 0 || !on_some_screen((enum ksm_pcol)col))
		return -ENOENT;
	if (column_index(by, (enum ksm_pcol)col) < 0)
		return -EINVAL;
	*out = (enum ksm_pcol)col;
	return 0;
}

enum ksm_pcol ksm_view_sort(const struct ksm_view *v)
{
	return column_index(v->by, v->sort) >= 0 ? v->sort : KSM_PCOL_PROFIT;
}

enum ksm_pcol ksm_view_next_sort(const struct ksm_view *v, int dir)
{
	enum ksm_pcol cols[KSM_PCOL_COUNT];
	int n = ksm_view_columns(v->by, cols);
	int i = column_index(v->by, ksm_view_sort(v));

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

static struct ksm_model_line *add_line(struct ksm_frame_model *m,
				       enum ksm_fline_kind kind, const char *text)
{
	struct ksm_model_line *l;

	if (m->nlines >= KSM_MODEL_LINES)
		return NULL;
	l = &m->line[m->nlines++];
	l->kind = kind;
	l->series = KSM_HIST_SAVED;
	snprintf(l->text, sizeof(l->text), "%s", text);
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

/* Does ksmd scan in this sample (run 1)? */
static bool ksmd_runs(const struct ksm_sample *s)
{
	return s && ksm_has(s, KSM_RUN) && ksm_u(s, KSM_RUN) == 1;
}

/*
 * ksmd's CPU share is measured over the last interval, the run state
 * read at its end.  When ksmd stopped in between, the share is what it
 * used before: said so, so that "stopped" and "5.9% CPU" do not read
 * as one contradicting the other.
 */
static void ksmd_cpu_text(const struct ksm_frame_input *in,
			  const struct ksm_frame_model *m, struct lb *b)
{
	const char *name = ksm_sample_is_uksm(in->cur) ? "uksmd" : "ksmd";

	if (isnan(m->ksmd_pct))
		lb_add(b, "  %s CPU -", name);
	else if (!ksmd_runs(in->cur) && ksmd_runs(in->prev) && m->ksmd_pct >= 0.05)
		lb_add(b, "  %s %.1f%% CPU until it stopped", name, m->ksmd_pct);
	else
		lb_add(b, "  %s %.1f%% CPU", name, m->ksmd_pct);
}

static void title_line(const struct ksm_frame_input *in,
		       struct ksm_frame_model *m)
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
	ksmd_cpu_text(in, m, &b);
	format_delay(in->view->delay, delay, sizeof(delay));
	lb_add(&b, "  every %s", delay);
	add_line(m, KSM_FL_TITLE, b.buf);
}

static const char *onoff(const struct ksm_sample *s, enum ksm_knob_id id)
{
	return ksm_u(s, id) ? "on" : "off";
}

static void uksm_settings(const struct ksm_frame_input *in,
			  struct ksm_frame_model *m)
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
	add_line(m, KSM_FL_SETTINGS, b.buf);
}

static void settings_lines(const struct ksm_frame_input *in,
			   struct ksm_frame_model *m)
{
	const struct ksm_sample *s = in->cur;
	struct lb b = { .len = 0 };

	if (ksm_sample_is_uksm(s)) {
		uksm_settings(in, m);
		return;
	}
	lb_add(&b, "scan   %llu pages", ksm_u(s, KSM_PAGES_TO_SCAN));
	if (isinf(m->m.scan_rate_pages))
		lb_add(&b, ", no sleep: unbounded");
	else if (!isnan(m->m.scan_rate_pages))
		lb_add(&b, "/%llums = %.0f pages/s max",
		       ksm_u(s, KSM_SLEEP_MILLISECS), m->m.scan_rate_pages);
	if (ksm_has(s, KSM_SMART_SCAN))
		lb_add(&b, "  smart_scan %s", onoff(s, KSM_SMART_SCAN));
	if (ksm_has(s, KSM_USE_ZERO_PAGES))
		lb_add(&b, "  use_zero_pages %s", onoff(s, KSM_USE_ZERO_PAGES));
	add_line(m, KSM_FL_SETTINGS, b.buf);
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
	add_line(m, KSM_FL_SETTINGS, b.buf);
}


static void rate(struct lb *b, const char *fmt, double v)
{
	if (isnan(v))
		lb_add(b, "%s", "-");
	else
		lb_add(b, fmt, v);
}

static void rates_line(const struct ksm_frame_input *in,
		       struct ksm_frame_model *m)
{
	struct lb b = { .len = 0 };
	char d[32];

	if (!m->have_rates) {
		add_line(m, KSM_FL_RATES, "rates  waiting for a second sample");
		return;
	}
	/* the unit once: at 80 columns a busy ksmd's figures still fit */
	lb_add(&b, "rates (pages/s)  merged ");
	rate(&b, "%+.0f", m->rates.merged_pages_per_s);
	lb_add(&b, "  scanned ");
	rate(&b, "%.0f", m->rates.scanned_pages_per_s);
	lb_add(&b, "  full scans ");
	rate(&b, "%.1f", m->rates.full_scans_per_min);
	ksm_format_duration(in->hist ? in->hist->last_scan_s : NAN, d, sizeof(d));
	lb_add(&b, "/min  last scan %s", d);
	add_line(m, KSM_FL_RATES, b.buf);
}

__attribute__((format(printf, 4, 5)))
static void add_finding(struct ksm_frame_model *m, enum ksm_severity sev,
			const char *id, const char *fmt, ...)
{
	struct ksm_finding *x;
	va_list ap;

	if (m->nfindings >= KSM_MAX_FINDINGS)
		return;
	x = &m->findings[m->nfindings++];
	x->severity = sev;
	x->id = id;
	va_start(ap, fmt);
	vsnprintf(x->text, sizeof(x->text), fmt, ap);
	va_end(ap);
}

/*
 * What only a live view can tell: what ksmd's CPU buys.  Only while it
 * runs: a stopped ksmd costs nothing now, whatever it used before it
 * stopped (the state line says that much).
 */
static void cost_findings(const struct ksm_frame_input *in,
			  struct ksm_frame_model *m)
{
	const char *name = ksm_sample_is_uksm(in->cur) ? "uksmd" : "ksmd";
	double pct = m->ksmd_pct;

	if (isnan(pct) || !ksmd_runs(in->cur))
		return;
	if (pct >= KSM_KSMD_CPU_HIGH)
		add_finding(m, SEV_WARNING, "ksmd-cpu",
			    "%s uses %.0f%% of a CPU: lower pages_to_scan or raise sleep_millisecs (or cap the advisor with advisor_max_cpu)",
			    name, pct);
	else if (pct >= KSM_KSMD_CPU_NO_GAIN && m->m.general_profit <= 0)
		add_finding(m, SEV_WARNING, "ksmd-cpu-no-gain",
			    "%s uses %.0f%% of a CPU and merging saves no memory yet",
			    name, pct);
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

/*
 * Saved and profit, each a figure and its detail; the layout adds the
 * history.  Padded to the same width, so the histories line up.
 */
static void memory_line(struct ksm_frame_model *m, enum ksm_hist_series which,
			const char *text)
{
	struct ksm_model_line *l = add_line(m, KSM_FL_MEMORY, text);

	if (l)
		l->series = which;
}

static void memory_lines(const struct ksm_frame_input *in,
			 struct ksm_frame_model *m)
{
	const struct ksm_sample *s = in->cur;
	char prefix[256], size[32], detail[64], meta[32];

	ksm_format_size(m->m.saved_bytes, size, sizeof(size));
	if (s->has_meminfo && s->mem.bytes[MEM_TOTAL])
		snprintf(detail, sizeof(detail), "%.1f%% of RAM",
			 100.0 * (double)m->m.saved_bytes /
			 (double)s->mem.bytes[MEM_TOTAL]);
	else
		detail[0] = '\0';
	snprintf(prefix, sizeof(prefix), "saved  %-7s %-24s", size, detail);
	memory_line(m, KSM_HIST_SAVED, prefix);
	ksm_format_ssize(m->m.general_profit, size, sizeof(size));
	ksm_format_size(m->m.rmap_bytes, meta, sizeof(meta));
	snprintf(detail, sizeof(detail), "metadata %s%s", meta,
		 m->m.profit_from_kernel ? "" : ", computed");
	snprintf(prefix, sizeof(prefix), "profit %-7s %-24s", size, detail);
	memory_line(m, KSM_HIST_PROFIT, prefix);
}

/* ---- the table ------------------------------------------------------------- */

static const char *const group_plurals[] = {
	[KSM_BY_NONE] = "", [KSM_BY_CGROUP] = "cgroups", [KSM_BY_UNIT] = "units",
	[KSM_BY_VM] = "VMs", [KSM_BY_USER] = "users", [KSM_BY_COMM] = "commands",
};

/* The processes that pass the view's filter, summed. */
static void filtered_total(const struct ksm_frame_model *m,
			   struct ksm_psum *total)
{
	const struct ksm_procs *p = m->rows_ctx.procs;

	memset(total, 0, sizeof(*total));
	for (size_t i = 0; i < p->n; i++)
		if (ksm_prow_match(&m->rows_ctx, &p->v[i]))
			ksm_psum_add(total, &p->v[i]);
	if (!total->procs) {
		/* none: every sum known, and 0 */
		const struct ksm_procs none = { .n = 0 };

		ksm_procs_total(&none, total);
	}
}

static const char *plural_es(size_t n)
{
	return n == 1 ? "" : "es";
}

/*
 * "11 of 16 processes use KSM (1 unreadable), 9 cgroups: merging 3.5G,
 * profit 3.4G" (79 columns), or with a filter "3 of 11 processes match
 * /qemu, ...": the figures are those of the rows below.
 */
static void summary_line(const struct ksm_frame_input *in,
			 struct ksm_frame_model *m)
{
	const struct ksm_procs *p = in->procs;
	enum ksm_group_by by = in->view->by;
	struct ksm_psum total;
	struct lb b = { .len = 0 };
	char merging[32], profit[32], filter[sizeof(in->view->filter) * 4];

	if (!p) {
		lb_add(&b, "no process figures");
	} else if (p->no_files) {
		lb_add(&b, "this kernel reports no per-process KSM figures (needs Linux 5.19)");
	} else {
		filtered_total(m, &total);
		/* as names are shown: a unit's "\x2d" as systemctl has it */
		ksm_escape(in->view->filter, filter, sizeof(filter));
		if (filter[0])
			lb_add(&b, "%zu of %zu process%s match /%s", total.procs,
			       p->n, plural_es(p->n), filter);
		else if (in->only_pids)
			lb_add(&b, "%zu of %zu process%s asked for", p->n,
			       in->procs_total, plural_es(in->procs_total));
		else
			lb_add(&b, "%zu of %zu process%s use%s KSM", p->n,
			       in->procs_total, plural_es(in->procs_total),
			       p->n == 1 ? "s" : "");
		/* filtered, the others are not the question */
		if (p->denied + p->failed && !filter[0])
			lb_add(&b, " (%zu unreadable)", p->denied + p->failed);
		if (by)
			lb_add(&b, ", %zu %s", m->nrows, group_plurals[by]);
		lb_add(&b, ":");
		if (total.st.have & KSM_PF_BIT(KSM_PF_MERGING))
			ksm_format_size(total.st.merging_pages *
					(unsigned long long)in->cur->page_size,
					merging, sizeof(merging));
		else
			snprintf(merging, sizeof(merging), "-");
		if (total.st.profit_known)
			ksm_format_ssize(total.st.profit, profit, sizeof(profit));
		else
			snprintf(profit, sizeof(profit), "-");
		lb_add(&b, " merging %s, profit %s", merging, profit);
	}
	snprintf(m->summary, sizeof(m->summary), "%s", b.buf);
}

static int table_rows(const struct ksm_frame_input *in,
		      struct ksm_frame_model *m)
{
	m->rows_ctx = (struct ksm_prow_ctx){
		.procs = in->procs, .system = &m->system,
		.page_size = in->cur->page_size, .by = in->view->by,
		.filter = in->view->filter,
	};
	if (!in->procs)
		return 0;
	return ksm_prows_collect(&m->rows_ctx, m->sort, &m->rows, &m->groups,
				 &m->nrows);
}

bool ksm_frame_model_loss(const struct ksm_frame_model *m, size_t row)
{
	const struct ksm_procstat *st = m->rows[row].st;

	return (st->profit_known && st->profit < 0) ||
	       ksm_procstat_verdict(st, m->rows_ctx.page_size) == KSM_VERDICT_WASTE;
}

/*
 * The processes KSM works for, as far as this view can see them, against
 * the system's counters: when they map far less than KSM merged, the
 * table is not all of KSM's work, and the header says so in one line.
 * Not for processes asked for by pid.
 */
static void unseen_finding(const struct ksm_frame_input *in,
			   struct ksm_frame_model *m)
{
	const struct ksm_procs *p = in->procs;
	struct ksm_psum total;
	char seen[32], all[32];
	long page = in->cur->page_size;
	double pct;

	if (!p || p->no_files || in->only_pids)
		return;
	ksm_procs_total(p, &total);
	if (!ksm_procs_unexplained(&total.st, &m->system, &pct))
		return;
	ksm_format_size((total.st.merging_pages + total.st.zero_pages) *
			(unsigned long long)page, seen, sizeof(seen));
	ksm_format_size((m->system.merging_pages + m->system.zero_pages) *
			(unsigned long long)page, all, sizeof(all));
	add_finding(m, SEV_NOTICE, "processes-unseen",
		    "the processes listed hold %.0f%% of KSM's merged pages (%s of %s): the rest belong to processes in other PID namespaces, unreadable, or exited",
		    pct, seen, all);
}

int ksm_frame_model_compute(const struct ksm_frame_input *in,
			    struct ksm_frame_model *m)
{
	struct ksm_finding more[KSM_MAX_FINDINGS];
	int n, err;

	memset(m, 0, sizeof(*m));
	ksm_metrics_compute(in->cur, &m->m);
	if (in->prev) {
		ksm_rates_compute(in->prev, in->cur, &m->rates);
		m->have_rates = m->rates.seconds > 0;
	}
	m->ksmd_pct = ksmd_pct(in);
	m->sort = ksm_view_sort(in->view);
	ksm_system_stat(in->cur, &m->system);

	title_line(in, m);
	settings_lines(in, m);
	memory_lines(in, m);
	rates_line(in, m);
	cost_findings(in, m);
	unseen_finding(in, m);
	n = ksm_findings(in->cur, &m->m, more, KSM_MAX_FINDINGS - m->nfindings);
	memcpy(m->findings + m->nfindings, more, (size_t)n * sizeof(*more));
	m->nfindings += n;

	err = table_rows(in, m);
	if (err) {
		ksm_frame_model_free(m);
		return err;
	}
	summary_line(in, m);
	return 0;
}

void ksm_frame_model_free(struct ksm_frame_model *m)
{
	free(m->rows);
	free(m->groups);
	m->rows = NULL;
	m->groups = NULL;
	m->nrows = 0;
}
