// SPDX-License-Identifier: GPL-2.0-or-later
#include "pacer.h"

#include <limits.h>
#include <math.h>

#include "governor.h"
#include "units.h"

/* ksmd always sleeps a little: 100 % is 99 %. */
#define SHARE_MAX 0.99

static double clamp(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

/* ksm_pace_knobs() with the longest sleep given. */
static void pace_knobs(double share, double cost_ns, double max_sleep_ms,
		       unsigned long long *pages, unsigned long long *sleep_ms)
{
	double f = clamp(share, 0.001, SHARE_MAX), sleep, p;

	if (!(cost_ns > 0))
		cost_ns = KSM_GOV_DEFAULT_COST_NS;
	/*
	 * Batches of about KSM_GOV_BATCH_MS of scanning where the sleep
	 * allows: share f = scan / (scan + sleep), so sleep = scan (1-f)/f.
	 * Short sleeps for big budgets, at most max_sleep_ms for small ones.
	 */
	sleep = clamp(llround(KSM_GOV_BATCH_MS * (1 - f) / f),
		      KSM_GOV_SLEEP_MIN_MS, max_sleep_ms);
	/* then the batch that fills the share: P cost = sleep f / (1 - f) */
	p = clamp(llround(f * sleep * 1e6 / ((1 - f) * cost_ns)), 1, UINT_MAX);
	*pages = (unsigned long long)p;
	*sleep_ms = (unsigned long long)sleep;
}

void ksm_pace_knobs(double share, double cost_ns, unsigned long long *pages,
		    unsigned long long *sleep_ms)
{
	pace_knobs(share, cost_ns, KSM_GOV_SLEEP_MAX_MS, pages, sleep_ms);
}

bool ksm_pace_merged(const struct ksm_pace_reading *a,
		     const struct ksm_pace_reading *b)
{
	/* Written as a sum so that a fall of one does not hide the other. */
	return b->merged + b->cow > a->merged + a->cow;
}

bool ksm_pace_activity_step(struct ksm_pace_activity *act,
			    const struct ksm_pace_reading *a,
			    const struct ksm_pace_reading *b)
{
	bool was_idle = act->idle;

	if (!act->started || ksm_pace_merged(a, b) ||
	    b->full_scans < act->quiet_since) {
		act->started = true;
		act->quiet_since = b->full_scans;
		act->quiet_from = b->seconds;
		act->idle = false;
	} else if (b->full_scans - act->quiet_since >= KSM_PACE_IDLE_SCANS &&
		   b->seconds - act->quiet_from >= KSM_PACE_IDLE_SECONDS) {
		act->idle = true;
	}
	return act->idle != was_idle;
}

bool ksm_pacer_ready(const struct ksm_pacer *p, const struct ksm_pace_reading *a,
		     const struct ksm_pace_reading *b)
{
	double cycle = (double)p->sleep_ms / 1000 +
		       (double)p->pages * p->cost_ns / 1e9;

	return b->seconds - a->seconds >= KSM_PACE_MIN_CYCLES * cycle;
}

double ksm_pacer_target(const struct ksm_pacer *p)
{
	return p->act.idle ? p->idle_share : KSM_PACE_AIM * p->budget;
}

/* The largest batch that costs KSM_PACE_MAX_BATCH_MS at the cost known. */
static unsigned long long max_batch(const struct ksm_pacer *p)
{
	return (unsigned long long)clamp(KSM_PACE_MAX_BATCH_MS * 1e6 / p->cost_ns,
					 1, UINT_MAX);
}

/* Knob values for the target from the cost per page alone. */
static void pace_from_cost(struct ksm_pacer *p)
{
	pace_knobs(ksm_pacer_target(p), p->cost_ns, KSM_PACE_SLEEP_MAX_MS,
		   &p->pages, &p->sleep_ms);
	if (p->pages > max_batch(p))
		p->pages = max_batch(p);
}

void ksm_pacer_init(struct ksm_pacer *p, double budget, double cost_ns)
{
	*p = (struct ksm_pacer){
		.budget = clamp(budget, 0.001, 1.0),
		.cost_ns = cost_ns > 0 ? cost_ns : KSM_GOV_DEFAULT_COST_NS,
		.measured = -1,
	};
	p->idle_share = fmin(KSM_PACE_IDLE_SHARE, p->budget / 2);
	pace_from_cost(p);
}

void ksm_pace_reading_fill(struct ksm_pace_reading *r,
			   const struct ksm_sample *s)
{
	r->seconds = (double)s->when.tv_sec + (double)s->when.tv_nsec / 1e9;
	r->has_pages_scanned = ksm_has(s, KSM_PAGES_SCANNED) &&
			       !s->v[KSM_PAGES_SCANNED].shift;
	r->pages_scanned = ksm_u(s, KSM_PAGES_SCANNED);
	r->full_scans = ksm_u(s, KSM_FULL_SCANS);
	r->merged = ksm_sat_add(ksm_u(s, KSM_PAGES_SHARING),
				ksm_u(s, KSM_ZERO_PAGES));
	r->running = ksm_u(s, KSM_RUN) == 1;
	r->unknown = !!KSM_NEED(s, NULL, NULL, 0, KSM_RUN, KSM_PAGES_SCANNED,
			     KSM_FULL_SCANS, KSM_PAGES_SHARING, KSM_ZERO_PAGES);
}

double ksm_pace_cost(const struct ksm_pace_reading *a,
		     const struct ksm_pace_reading *b)
{
	unsigned long long pages, cpu;

	if (!a->has_pages_scanned || !b->has_pages_scanned ||
	    b->pages_scanned <= a->pages_scanned || b->cpu_ns < a->cpu_ns)
		return 0;
	pages = b->pages_scanned - a->pages_scanned;
	cpu = b->cpu_ns - a->cpu_ns;
	/* A few pages and a tick of CPU say little: wait for more. */
	if (pages < 100 || cpu < 1000000)
		return 0;
	return (double)cpu / (double)pages;
}

/* Learn the cost per page from what ksmd did between a and b. */
static void learn_cost(struct ksm_pacer *p, const struct ksm_pace_reading *a,
		       const struct ksm_pace_reading *b)
{
	double now = ksm_pace_cost(a, b);

	if (!(now > 0))
		return;
	/* Moving average: one odd interval does not swing the batch. */
	p->cost_ns = 0.5 * p->cost_ns + 0.5 * now;
	/* The dearest region of the last scans, fading. */
	p->cost_high = fmax(now, p->cost_high *
			    exp(-(b->seconds - a->seconds) / KSM_PACE_COST_MEMORY));
}

/*
 * The batch the target allows in the dearest region seen lately: more
 * would overspend when the scan gets there again.  0: no bound known.
 */
static double dear_batch(const struct ksm_pacer *p, double target)
{
	if (!(p->cost_high > 0))
		return 0;
	return target * (double)p->sleep_ms * 1e6 / ((1 - target) * p->cost_high);
}

bool ksm_pacer_step(struct ksm_pacer *p, const struct ksm_pace_reading *a,
		    const struct ksm_pace_reading *b)
{
	double dt = b->seconds - a->seconds, ratio, want, target;
	unsigned long long before = p->pages;

	if (!a->running || !b->running || !(dt > 0) || b->cpu_ns < a->cpu_ns ||
	    a->unknown || b->unknown)
		return false;
	learn_cost(p, a, b);
	p->measured = (double)(b->cpu_ns - a->cpu_ns) / (dt * 1e9);
	if (ksm_pace_activity_step(&p->act, a, b)) {
		/* A new target: start again from the cost per page. */
		p->debt = 0;
		pace_from_cost(p);
		return true;
	}
	/*
	 * A share of the relative error, not of the ratio: measurements
	 * that scatter around the target then err towards smaller batches
	 * (1 + g e and 1 - g e multiply to less than one), never above the
	 * budget.
	 */
	target = ksm_pacer_target(p);
	p->debt = p->debt * exp(-dt / KSM_PACE_DEBT_SECONDS) +
		  (p->measured - target) * dt;
	if (p->debt < 0)
		p->debt = 0;	/* underspending earns no credit */
	target = fmax(target - p->debt / KSM_PACE_DEBT_SECONDS, target / 4);
	ratio = clamp(1 + KSM_PACE_GAIN * (target - p->measured) / target,
		      1 / KSM_PACE_MAX_DOWN, KSM_PACE_MAX_UP);
	want = clamp(llround((double)p->pages * ratio), 1, (double)max_batch(p));
	/* Scans slower than a few measurements see one region at a time. */
	if (b->full_scans != a->full_scans)
		p->scan_done = b->seconds;
	if (b->seconds - p->scan_done > KSM_PACE_SLOW_SCAN &&
	    dear_batch(p, target) >= 1 && want > dear_batch(p, target))
		want = fmax(1, floor(dear_batch(p, target)));
	if (fabs(want - (double)before) <= KSM_PACE_DEADBAND * (double)before)
		return false;
	p->pages = (unsigned long long)want;
	return true;
}
