/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pacer: a closed loop on ksmd's measured CPU time.
 *
 * The kernel's knobs set ksmd's pace only indirectly: a batch of
 * pages_to_scan pages, then sleep_millisecs.  What a batch costs varies
 * by a factor of ten with the pages (a merge costs more than a skipped
 * page), and the sleep is rounded up to whole jiffies, so knob values
 * computed once from a cost per page miss a CPU budget either way.  The
 * pacer measures instead: every step it compares ksmd's share of one CPU
 * over the last interval with the target and scales pages_to_scan by a
 * share of the relative error (KSM_PACE_GAIN), the sleep staying what the
 * target calls for.
 *
 * It also knows when the work is done.  Merges show as pages_sharing +
 * ksm_zero_pages growing, or as cow_ksm (a merged page written to, so
 * something merged meanwhile) in /proc/vmstat.  When KSM_PACE_IDLE_SCANS
 * full scans and KSM_PACE_IDLE_SECONDS went by without any, there is
 * nothing left to merge and the target drops to the idle share
 * (KSM_PACE_IDLE_SHARE): ksmd keeps looking, slowly, and the first merge
 * brings back the full budget.
 *
 * Everything here is pure; the caller reads, decides, and writes.
 */
#ifndef KSMCTL_PACER_H
#define KSMCTL_PACER_H

#include <stdbool.h>

#include "sample.h"

/* Full scans, and seconds, without a merge before the work is done:
 * a quick full scan can miss the merges of pages written now and then. */
#define KSM_PACE_IDLE_SCANS 2
#define KSM_PACE_IDLE_SECONDS 10.0
/* A budget is a ceiling: aim this far below it, so that the noise of
 * a measurement stays inside. */
#define KSM_PACE_AIM 0.95
/* ksmd's share of one CPU when there is nothing to merge. */
#define KSM_PACE_IDLE_SHARE 0.005
/* The most a batch may cost at the estimated cost per page (ms): ksmd
 * does not look at pages_to_scan again before the batch is done. */
#define KSM_PACE_MAX_BATCH_MS 250.0
/*
 * The pacer's longest sleep.  What a page costs differs thirtyfold
 * between regions of a scan (merged pages are cheap, unique ones are
 * checksummed and searched), so small budgets are kept in small batches
 * often, which a second's measurement can follow, not in one big batch
 * a second.
 */
#define KSM_PACE_SLEEP_MAX_MS 200.0
/*
 * The most one step changes pages_to_scan by: cut fast, grow slowly, as
 * a batch grown in a cheap region costs the more in the next expensive
 * one, and a budget is a ceiling.
 */
#define KSM_PACE_MAX_UP 1.5
#define KSM_PACE_MAX_DOWN 2.0
/*
 * How much of the measured error one step corrects (in logarithms): a
 * second's measurement holds a few dozen batches, noisy enough that a
 * full correction overshoots and oscillates.
 */
#define KSM_PACE_GAIN 0.6
/*
 * What ksmd spent over the target lately (share x seconds, fading with
 * this time constant) lowers the target until it is paid back: a batch
 * grown in a cheap region of a scan overspends in the next expensive
 * one, and the budget holds over a window, not only on average.
 */
#define KSM_PACE_DEBT_SECONDS 20.0
/*
 * A page costs thirty times more in some regions of a scan (unique
 * pages, checksummed and searched) than in others (pages merged
 * already).  The batch never grows beyond what the dearest region seen
 * within about this many seconds allows, so a small budget that crawls
 * through a cheap region does not enter the next dear one with a batch
 * ten times too big.
 */
#define KSM_PACE_COST_MEMORY 60.0
/* ...when full scans take longer than this (s): faster ones average
 * their regions within each measurement. */
#define KSM_PACE_SLOW_SCAN 5.0
/* Changes smaller than this share of pages_to_scan are not written. */
#define KSM_PACE_DEADBAND 0.10

/* One reading of ksmd and the counters that show its work. */
struct ksm_pace_reading {
	double seconds;			/* CLOCK_MONOTONIC */
	unsigned long long cpu_ns;	/* ksmd's CPU time */
	bool has_pages_scanned;		/* 6.6+ */
	unsigned long long pages_scanned;
	unsigned long long full_scans;
	unsigned long long merged;	/* pages_sharing + ksm_zero_pages */
	unsigned long long cow;		/* cow_ksm (/proc/vmstat), 0 if absent */
	bool running;			/* run reads 1 */
	/*
	 * A counter above that the kernel has could not be read (its value
	 * is not 0, but unknown): a step with such a reading changes nothing.
	 */
	bool unknown;
};

/*
 * The reading's counters from a sample: its time, pages_scanned,
 * full_scans, merged and running (a counter the kernel lacks reads 0).
 * cpu_ns and cow are the caller's: they come from other files.
 */
void ksm_pace_reading_fill(struct ksm_pace_reading *r,
			   const struct ksm_sample *s);

/*
 * ksmd's CPU time per scanned page between a and b (ns), or 0 when they
 * cannot tell: no pages_scanned (before 6.6), or too few pages or too
 * little CPU time to say much.
 */
double ksm_pace_cost(const struct ksm_pace_reading *a,
		     const struct ksm_pace_reading *b);

/*
 * Did ksmd merge anything between a and b?  Pages merged since are
 * pages_sharing + ksm_zero_pages grown, plus the merges written to
 * meanwhile (cow_ksm); pages freed by exiting processes only lower it.
 */
bool ksm_pace_merged(const struct ksm_pace_reading *a,
		     const struct ksm_pace_reading *b);

/* Tells work from its absence, over full scans. */
struct ksm_pace_activity {
	bool started;
	bool idle;
	unsigned long long quiet_since;	/* full_scans at the last merge */
	double quiet_from;		/* and the time */
};

/*
 * Feed the readings a and b (consecutive).  Returns true when the state
 * changed (working <-> idle).  The first call counts as a merge: nothing
 * is known to be done yet.
 */
bool ksm_pace_activity_step(struct ksm_pace_activity *act,
			    const struct ksm_pace_reading *a,
			    const struct ksm_pace_reading *b);

struct ksm_pacer {
	double budget;			/* share of one CPU while working */
	double idle_share;		/* share when idle (<= budget) */
	double cost_ns;			/* estimated CPU time per page */
	double cost_high;		/* the dearest lately (fading), 0: unknown */
	double scan_done;		/* when a full scan last ended (s) */
	struct ksm_pace_activity act;
	/* What the knobs should hold now. */
	unsigned long long pages, sleep_ms;
	double measured;		/* ksmd's share in the last step, -1: none */
	double debt;			/* share x s spent over the target */
};

/*
 * Start at budget (a share of one CPU, 0.001..1) with a first guess of
 * the cost per page (ns; <= 0 for the default): pages and sleep_ms are
 * the knob values to write first.
 */
void ksm_pacer_init(struct ksm_pacer *p, double budget, double cost_ns);

/*
 * Is reading b far enough from a for a step?  A measurement must span
 * a few batches and sleeps (KSM_PACE_MIN_CYCLES), or it sees one batch
 * or none: with the idle share's 1 s sleeps that takes seconds.
 */
#define KSM_PACE_MIN_CYCLES 4
bool ksm_pacer_ready(const struct ksm_pacer *p, const struct ksm_pace_reading *a,
		     const struct ksm_pace_reading *b);

/* The share ksmd is held at now: just below the budget, or the idle
 * share. */
double ksm_pacer_target(const struct ksm_pacer *p);

/*
 * One step from reading a to reading b.  Updates p->pages / p->sleep_ms
 * and returns true when they should be written (changed beyond the
 * deadband, or the activity changed).  Nothing changes while ksmd is
 * not running (run is not 1 in a or b), when no time passed, or when a
 * reading is not known (a counter could not be read).
 */
bool ksm_pacer_step(struct ksm_pacer *p, const struct ksm_pace_reading *a,
		    const struct ksm_pace_reading *b);

/*
 * The batch and sleep that give share (0..1] of one CPU at cost_ns per
 * page: batches of about KSM_GOV_BATCH_MS of scanning where the sleep
 * allows, the sleep clamped to KSM_GOV_SLEEP_MIN_MS..MAX_MS.
 */
void ksm_pace_knobs(double share, double cost_ns, unsigned long long *pages,
		    unsigned long long *sleep_ms);

#endif
