// SPDX-License-Identifier: GPL-2.0-or-later
#include "tuner.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "governor.h"
#include "units.h"

/* ---- the decision ----------------------------------------------------- */

/* The budgets are the governor's presets (governor.c), found by name. */
unsigned int ksm_tune_governor_budget(enum ksm_tune_governor g)
{
	const struct ksm_gov_preset *p =
		ksm_gov_preset_find(ksm_tune_governor_name(g));

	return p ? p->budget : 0;
}

bool ksm_tune_knob(enum ksm_knob_id id)
{
	return id == KSM_RUN || id == KSM_PAGES_TO_SCAN ||
	       id == KSM_SLEEP_MILLISECS || id == KSM_ADVISOR_MODE ||
	       id == KSM_ADVISOR_MAX_CPU;
}

void ksm_tune_state_init(struct ksm_tune_state *st, const struct ksm_sample *s)
{
	memset(st, 0, sizeof(*st));
	ksm_owned_init(&st->owned, s);
	/* The administrator's ceiling (the kernel's default is 70). */
	st->cpu_ceiling = ksm_has(s, KSM_ADVISOR_MAX_CPU) ?
			  ksm_u(s, KSM_ADVISOR_MAX_CPU) : 70;
	if (st->cpu_ceiling == 0 || st->cpu_ceiling > 100)
		st->cpu_ceiling = 70;
}

static void appendf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void appendf(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

static const char *kib(unsigned long long k, char *buf, size_t size)
{
	ksm_format_size(k > ~0ULL / 1024 ? ~0ULL : k * 1024, buf, size);
	return buf;
}

/* ksmtuned's four figures as the reason shows them ("1.5G"). */
struct figures_text {
	char committed[32], thres[32], total[32], free[32];
};

static void figures_text(const struct ksm_tune_decision *d,
			 struct figures_text *t)
{
	kib(d->committed, t->committed, sizeof(t->committed));
	kib(d->thres, t->thres, sizeof(t->thres));
	kib(d->total, t->total, sizeof(t->total));
	kib(d->free, t->free, sizeof(t->free));
}

/* Want knob id at value u; only a change of the sampled value is a write. */
static void want(struct ksm_tune_decision *d, const struct ksm_sample *s,
		 const struct ksm_tune_state *prev, enum ksm_knob_id id,
		 unsigned long long u)
{
	const struct ksm_knob *k = &ksm_knobs[id];
	struct ksm_value to = { .u = u, .s = (long long)u };
	bool outside;
	char now[64];

	if (!ksm_owned_want(&d->next.owned, &prev->owned, s, id, &to, &outside))
		return;
	/* Someone else changed a knob we had set: say so, then set it. */
	if (outside) {
		ksm_knob_format(k, &s->v[id], now, sizeof(now));
		appendf(d->reason, sizeof(d->reason),
			"; %s was set to %s outside the tuner", k->name, now);
	}
	d->writes[d->count].id = id;
	d->writes[d->count].from = s->v[id];
	d->writes[d->count].to = to;
	d->count++;
}

static unsigned long long free_kib(const struct ksm_tune_config *c,
				   const struct ksm_sample *s, const char **source)
{
	const struct ksm_meminfo *m = &s->mem;

	if (c->free_metric == TUNE_FREE_AVAILABLE && m->present[MEM_AVAILABLE]) {
		*source = "MemAvailable";
		return m->bytes[MEM_AVAILABLE] / 1024;
	}
	*source = c->free_metric == TUNE_FREE_AVAILABLE ?
		  "MemFree+Buffers+Cached, no MemAvailable before Linux 3.14" :
		  "MemFree+Buffers+Cached";
	return (m->bytes[MEM_FREE] + m->bytes[MEM_BUFFERS] +
		m->bytes[MEM_CACHED]) / 1024;
}

/* ksmtuned's increase_npages: add, then clamp to [min, max]. */
static long long next_npages(const struct ksm_tune_config *c, long long npages,
			     long long delta, const char **clamp)
{
	long long n = npages + delta;

	*clamp = NULL;
	if (n < (long long)c->npages_min) {
		n = (long long)c->npages_min;
		*clamp = "KSM_NPAGES_MIN";
	} else if (n > (long long)c->npages_max) {
		n = (long long)c->npages_max;
		*clamp = "KSM_NPAGES_MAX";
	}
	return n;
}

/* The advisor's CPU cap for npages: the same share of the ceiling. */
static unsigned long long advisor_cpu(const struct ksm_tune_config *c,
				      unsigned long long ceiling, long long npages)
{
	unsigned long long cpu;

	if (c->npages_max == 0)
		return ceiling;
	cpu = (ceiling * (unsigned long long)npages + c->npages_max - 1) /
	      c->npages_max;
	if (cpu < 1)
		cpu = 1;
	return cpu > ceiling ? ceiling : cpu;
}

static bool use_advisor(const struct ksm_tune_config *c,
			const struct ksm_sample *s)
{
	bool on = ksm_has(s, KSM_ADVISOR_MODE) && ksm_u(s, KSM_ADVISOR_MODE) != 0;

	switch (c->use_advisor) {
	case TUNE_ADVISOR_YES:
		return true;
	case TUNE_ADVISOR_NO:
		return false;
	default:
		return on || c->governor != TUNE_GOV_NONE;
	}
}

/* ksmtuned's DECAY (or a negative BOOST's add): the ramp, clamped. */
static void pace_ramp(const struct ksm_tune_config *c,
		      const struct ksm_tune_state *prev,
		      struct ksm_tune_decision *d)
{
	long long delta = d->action == TUNE_BOOST ? c->npages_boost :
			  c->npages_decay;
	const char *clamp;

	d->npages = next_npages(c, prev->npages, delta, &clamp);
	appendf(d->reason, sizeof(d->reason), ": %s %+lld -> %lld pages",
		d->action == TUNE_BOOST ? "boost" : "decay", delta, d->npages);
	if (clamp)
		appendf(d->reason, sizeof(d->reason), " (clamped to %s)", clamp);
}

/* Free memory short while ksmd merges (or may): the full configured pace. */
static void pace_boost(const struct ksm_tune_config *c,
		       const struct ksm_tune_work *work,
		       struct ksm_tune_decision *d)
{
	char grew[32];

	d->npages = (long long)c->npages_max;
	if (!work || work->activity == TUNE_ACT_UNKNOWN)
		appendf(d->reason, sizeof(d->reason), ": boost: nothing known of ksmd's work yet");
	else if (work->woke_growth)
		appendf(d->reason, sizeof(d->reason),
			": boost: the committed memory grew by %s (a new guest?)",
			kib(work->woke_growth / 1024, grew, sizeof(grew)));
	else
		appendf(d->reason, sizeof(d->reason), ": boost: ksmd is merging");
	appendf(d->reason, sizeof(d->reason),
		", merging pays: full pace -> %lld pages (KSM_NPAGES_MAX)",
		d->npages);
}

/* Nothing left to merge: the least pages, and a sleep for the idle share. */
static void pace_idle(const struct ksm_tune_config *c,
		      const struct ksm_tune_work *work,
		      struct ksm_tune_decision *d)
{
	double cost = work->cost_ns > 0 ? work->cost_ns : KSM_GOV_DEFAULT_COST_NS;

	d->action = TUNE_IDLE;
	d->npages = (long long)c->npages_min;
	appendf(d->reason, sizeof(d->reason),
		": idle: nothing merged in %llu full scans", work->quiet_scans);
	if (d->advisor)
		return;		/* the advisor's CPU cap follows npages */
	d->sleep_ms = ksm_tune_idle_sleep(c->npages_min, cost, d->sleep_ms);
	appendf(d->reason, sizeof(d->reason),
		": pages_to_scan %lld, sleep_millisecs %llu (ksmd near %.1f%% of a CPU at %.0f ns a page, %s)",
		d->npages, d->sleep_ms, KSM_PACE_IDLE_SHARE * 100, cost,
		work->cost_measured ? "measured" : "the default");
}

/* ksmtuned's stop rule held: committed + threshold < total, free > threshold. */
static void decide_not_needed(const struct ksm_sample *s,
			      const struct ksm_tune_state *prev,
			      struct ksm_tune_decision *d)
{
	struct figures_text t;

	figures_text(d, &t);
	d->action = TUNE_STOP;
	snprintf(d->reason, sizeof(d->reason),
		 "KSM not needed: committed %s + threshold %s < total %s and free %s (%s) > threshold",
		 t.committed, t.thres, t.total, t.free, d->free_source);
	/* run 2 (unmerged) is stopped too */
	if (ksm_u(s, KSM_RUN) != 2)
		want(d, s, prev, KSM_RUN, 0);
}

static void decide_needed(const struct ksm_tune_config *c,
			  const struct ksm_sample *s,
			  const struct ksm_tune_state *prev,
			  const struct ksm_tune_work *work,
			  struct ksm_tune_decision *d)
{
	struct figures_text t;
	unsigned long long ceiling;

	figures_text(d, &t);
	d->action = d->free < d->thres ? TUNE_BOOST : TUNE_DECAY;
	snprintf(d->reason, sizeof(d->reason),
		 "KSM needed: committed %s + threshold %s %s total %s",
		 t.committed, t.thres,
		 d->committed + d->thres >= d->total ? ">=" : "< (but free is low)",
		 t.total);
	appendf(d->reason, sizeof(d->reason), "; free %s (%s) %s threshold %s",
		t.free, d->free_source, d->action == TUNE_BOOST ? "<" : ">=",
		t.thres);
	if (work && work->activity == TUNE_ACT_IDLE)
		pace_idle(c, work, d);
	else if (d->action == TUNE_BOOST && c->npages_boost > 0)
		pace_boost(c, work, d);
	else
		pace_ramp(c, prev, d);
	d->next.npages = d->npages;
	if (d->advisor) {
		ceiling = c->governor ? ksm_tune_governor_budget(c->governor) :
			  prev->cpu_ceiling;
		d->max_cpu = advisor_cpu(c, ceiling, d->npages);
		appendf(d->reason, sizeof(d->reason),
			"; the scan-time advisor sets pages_to_scan: advisor_max_cpu %llu%% of %llu%%",
			d->max_cpu, ceiling);
		if (c->governor)
			appendf(d->reason, sizeof(d->reason), " (KSM_GOVERNOR=%s)",
				ksm_tune_governor_name(c->governor));
		want(d, s, prev, KSM_ADVISOR_MODE, 1);
		want(d, s, prev, KSM_ADVISOR_MAX_CPU, d->max_cpu);
	} else {
		if (ksm_has(s, KSM_ADVISOR_MODE))
			want(d, s, prev, KSM_ADVISOR_MODE, 0);
		want(d, s, prev, KSM_PAGES_TO_SCAN, (unsigned long long)d->npages);
	}
	want(d, s, prev, KSM_SLEEP_MILLISECS, d->sleep_ms);
	want(d, s, prev, KSM_RUN, 1);
}

int ksm_tune_decide(const struct ksm_tune_config *c, const struct ksm_sample *s,
		    const struct ksm_committed *cm,
		    const struct ksm_tune_state *prev,
		    const struct ksm_tune_work *work,
		    struct ksm_tune_decision *d)
{
	unsigned long long sleep;

	memset(d, 0, sizeof(*d));
	d->next = *prev;
	d->next.cycles++;
	d->npages = prev->npages;
	if (s->meminfo_err && s->meminfo_err != -ENODATA) {
		snprintf(d->reason, sizeof(d->reason),
			 "/proc/meminfo: cannot read it: %s: cannot decide",
			 strerror(-s->meminfo_err));
		return -ENODATA;
	}
	if (!s->has_meminfo || !s->mem.present[MEM_TOTAL] ||
	    s->mem.bytes[MEM_TOTAL] < 1024) {
		snprintf(d->reason, sizeof(d->reason),
			 "no MemTotal in /proc/meminfo: cannot decide");
		return -ENODATA;
	}
	/* the tuner's knobs: each it may write, or decides from */
	{
		int err = KSM_NEED(s, NULL, d->reason, sizeof(d->reason), KSM_RUN,
				   KSM_PAGES_TO_SCAN, KSM_SLEEP_MILLISECS,
				   KSM_ADVISOR_MODE, KSM_ADVISOR_MAX_CPU);

		if (err) {
			appendf(d->reason, sizeof(d->reason), ": cannot decide");
			return -ENODATA;
		}
	}
	d->advisor = use_advisor(c, s);
	if (d->advisor && !ksm_has(s, KSM_ADVISOR_MODE)) {
		snprintf(d->reason, sizeof(d->reason), "%s needs the scan-time advisor (advisor_mode, Linux 6.8), which this kernel lacks",
			 c->governor ? "KSM_GOVERNOR" : "KSM_USE_ADVISOR=yes");
		return -ENOENT;
	}
	d->total = s->mem.bytes[MEM_TOTAL] / 1024;
	d->free = free_kib(c, s, &d->free_source);
	d->committed = cm->bytes / 1024;
	d->thres = d->total * c->thres_coef / 100;
	if (c->thres_const > d->thres)
		d->thres = c->thres_const;
	sleep = c->sleep_msec * 16 * 1024 * 1024 / d->total;
	d->sleep_ms = sleep < 10 ? 10 : sleep > UINT_MAX ? UINT_MAX : sleep;

	if (d->committed + d->thres < d->total && d->free > d->thres)
		decide_not_needed(s, prev, d);
	else
		decide_needed(c, s, prev, work, d);
	appendf(d->reason, sizeof(d->reason), "; %zu process%s counted",
		cm->procs, cm->procs == 1 ? "" : "es");
	if (cm->vanished)
		appendf(d->reason, sizeof(d->reason), ", %zu exited while read",
			cm->vanished);
	if (cm->denied)
		appendf(d->reason, sizeof(d->reason), ", %zu not readable",
			cm->denied);
	if (cm->rss_fallback)
		appendf(d->reason, sizeof(d->reason),
			", %zu by RSS (no smaps_rollup)", cm->rss_fallback);
	return 0;
}

/* ---- what ksmd does ------------------------------------------------------ */

void ksm_tune_watch_init(struct ksm_tune_watch *w)
{
	memset(w, 0, sizeof(*w));
	w->cost_ns = KSM_GOV_DEFAULT_COST_NS;
}

/* ksmd's CPU per page between a and b, as a moving average (as the pacer). */
static void learn_cost(struct ksm_tune_watch *w,
		       const struct ksm_pace_reading *a,
		       const struct ksm_pace_reading *b)
{
	double now = ksm_pace_cost(a, b);

	if (!(now > 0))
		return;
	w->cost_ns = w->cost_measured ? 0.5 * w->cost_ns + 0.5 * now : now;
	w->cost_measured = true;
}

/* Idle, and the guests' memory grew since: a new guest to merge. */
static void wake_on_growth(struct ksm_tune_watch *w, bool was_idle,
			   const struct ksm_pace_reading *r,
			   unsigned long long committed,
			   unsigned long long total, struct ksm_tune_work *work)
{
	if (!w->act.idle)
		return;
	if (!was_idle || committed < w->idle_committed) {
		/* the lowest: PSS also falls as pages merge */
		w->idle_committed = committed;
		return;
	}
	if (committed - w->idle_committed <= total / KSM_TUNE_WAKE_GROWTH)
		return;
	work->woke_growth = committed - w->idle_committed;
	/* as a merge would: KSM_PACE_IDLE_SCANS full scans at full pace */
	w->act.idle = false;
	w->act.quiet_since = r->full_scans;
}

void ksm_tune_watch_step(struct ksm_tune_watch *w,
			 const struct ksm_pace_reading *r, bool has_cpu,
			 unsigned long long committed, unsigned long long total,
			 struct ksm_tune_work *work)
{
	bool was_idle = w->act.idle;

	memset(work, 0, sizeof(*work));
	if (!r->running || !w->have_last || !w->last.running || r->unknown ||
	    w->last.unknown) {
		/* ksmd stopped, nothing to compare with, or a counter that
		 * could not be read: start over */
		memset(&w->act, 0, sizeof(w->act));
		w->seen_merge = false;
		work->activity = TUNE_ACT_UNKNOWN;
	} else {
		if (has_cpu && w->last_cpu)
			learn_cost(w, &w->last, r);
		if (ksm_pace_merged(&w->last, r))
			w->seen_merge = true;
		ksm_pace_activity_step(&w->act, &w->last, r);
		wake_on_growth(w, was_idle, r, committed, total, work);
		/*
		 * The tracker counts its start as a merge: until a real one,
		 * and before KSM_PACE_IDLE_SCANS full scans, nothing is known.
		 */
		if (w->act.idle)
			work->activity = TUNE_ACT_IDLE;
		else if (w->seen_merge || work->woke_growth)
			work->activity = TUNE_ACT_WORKING;
		else
			work->activity = TUNE_ACT_UNKNOWN;
		if (r->full_scans >= w->act.quiet_since)
			work->quiet_scans = r->full_scans - w->act.quiet_since;
	}
	work->cost_ns = w->cost_ns;
	work->cost_measured = w->cost_measured;
	w->last = *r;
	w->last_cpu = has_cpu;
	w->have_last = true;
}

unsigned long long ksm_tune_idle_sleep(unsigned long long npages,
				       double cost_ns,
				       unsigned long long floor_ms)
{
	const double f = KSM_PACE_IDLE_SHARE;
	double ms;

	if (!(cost_ns > 0))
		cost_ns = KSM_GOV_DEFAULT_COST_NS;
	/* share f = scan / (scan + sleep), so sleep = scan (1 - f) / f */
	ms = ceil((double)npages * cost_ns * (1 - f) / f / 1e6);
	if (ms > KSM_GOV_SLEEP_MAX_MS)
		ms = KSM_GOV_SLEEP_MAX_MS;
	return (unsigned long long)ms < floor_ms ? floor_ms :
	       (unsigned long long)ms;
}
