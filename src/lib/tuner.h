/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tuner behind `ksmctl tune`, the successor of ksmtuned.
 *
 * ksmtuned's algorithm, kept because administrators know it: every
 * interval, with total = MemTotal, thres = max(total x THRES_COEF / 100,
 * THRES_CONST) and sleep = max(10, SLEEP_MSEC x 16 GiB / total):
 *
 *   committed + thres < total and free > thres   ->  run=0
 *   otherwise npages += free < thres ? BOOST : DECAY, clamped to
 *   [NPAGES_MIN, NPAGES_MAX]; pages_to_scan=npages, sleep_millisecs=sleep,
 *   run=1
 *
 * (all in KiB, integer arithmetic as ksmtuned's shell does it), with its
 * flaws fixed: free is MemAvailable (KSM_FREE_METRIC), committed memory is
 * the PSS of the matching processes (KSM_COMMITTED, KSM_PROCESS_REGEX,
 * KSM_INCLUDE_KSM_USERS), and on kernels whose scan-time advisor owns
 * pages_to_scan the vigour goes to advisor_max_cpu instead
 * (KSM_USE_ADVISOR, KSM_GOVERNOR).
 *
 * Two changes to the pace, because ksmtuned's ramp is both slow and never
 * done: it adds BOOST a minute, so ksmd reaches NPAGES_MAX only after
 * several intervals while the guests' memory waits, and it keeps boosting
 * as long as free memory is short, so once everything that can be merged
 * is merged, ksmd goes on scanning at full pace for nothing (about 11 %
 * of a CPU at 1250 pages per 10 ms).  The tuner looks at what ksmd does
 * (struct ksm_tune_work, from the pacer's activity tracker, pacer.h):
 *
 *   - boost while ksmd merges, or before anything is known (the first
 *     cycle, ksmd just started): npages = NPAGES_MAX at once, since
 *     merging is what frees the memory that is short;
 *   - idle (nothing merged for KSM_PACE_IDLE_SCANS full scans and
 *     KSM_PACE_IDLE_SECONDS), boost or
 *     decay: npages = NPAGES_MIN and a sleep that holds ksmd near
 *     KSM_PACE_IDLE_SHARE of a CPU at its measured cost per page, at least
 *     ksmtuned's sleep and at most 1 s.  The first merge, or a noticeable
 *     growth of the committed memory (a new guest), ends it;
 *   - decay while working is ksmtuned's, and so is the stop rule.
 *
 * The command feeds the readings (ksm_tune_watch_step) every cycle, and
 * every second between cycles while ksmd works, so that the idle pace
 * comes two full scans after the last merge, not an interval later.
 *
 * Everything here is pure: the decision takes a sample and returns the
 * knob writes, a reason and the next state; the configuration it follows
 * is tuneconf.h's.  The command layer does the I/O (committed.h, txn.h).
 */
#ifndef KSMCTL_TUNER_H
#define KSMCTL_TUNER_H

#include <stdbool.h>
#include <stddef.h>

#include "committed.h"
#include "knobs.h"
#include "owned.h"
#include "pacer.h"
#include "sample.h"
#include "tuneconf.h"

/* UKSM's CPU budgets of the presets, in % of one CPU (0 for none). */
unsigned int ksm_tune_governor_budget(enum ksm_tune_governor g);

enum ksm_tune_action {
	TUNE_STOP,	/* KSM not needed: run=0 */
	TUNE_BOOST,	/* needed, free below the threshold */
	TUNE_DECAY,	/* needed, free at or above the threshold */
	TUNE_IDLE,	/* needed, but nothing left to merge: ksmd slowed */
};

/* What ksmd has been doing (struct ksm_tune_work). */
enum ksm_tune_activity {
	TUNE_ACT_UNKNOWN,	/* nothing known yet: the first cycle, ksmd stopped */
	TUNE_ACT_WORKING,	/* merged within KSM_PACE_IDLE_SCANS full scans */
	TUNE_ACT_IDLE,		/* no merge in KSM_PACE_IDLE_SCANS scans and _SECONDS */
};

/* What the command measured of ksmd for one decision (ksm_tune_watch_step). */
struct ksm_tune_work {
	enum ksm_tune_activity activity;
	unsigned long long quiet_scans;	/* full scans since the last merge */
	double cost_ns;			/* ksmd's CPU time per page scanned */
	bool cost_measured;		/* false: KSM_GOV_DEFAULT_COST_NS */
	unsigned long long woke_growth;	/* idle ended: committed grew (bytes) */
};

/*
 * A committed memory grown by more than MemTotal / KSM_TUNE_WAKE_GROWTH
 * since the tuner went idle (a new guest) ends the idle pace.
 */
#define KSM_TUNE_WAKE_GROWTH 32

/* The readings from one cycle to the next (kept by the command). */
struct ksm_tune_watch {
	bool have_last;
	struct ksm_pace_reading last;
	bool last_cpu;			/* last.cpu_ns is ksmd's */
	struct ksm_pace_activity act;
	bool seen_merge;		/* a merge since ksmd (re)started */
	double cost_ns;
	bool cost_measured;
	unsigned long long idle_committed;	/* lowest since idle began */
};

void ksm_tune_watch_init(struct ksm_tune_watch *w);

/*
 * Feed this cycle's reading r (has_cpu: r->cpu_ns is ksmd's CPU time; no
 * ksmd found, e.g. on a fixture, leaves the default cost), the committed
 * memory and MemTotal (bytes); fills work for ksm_tune_decide.  ksmd not
 * running (run not 1 now or at the last reading) makes the activity
 * unknown again: a new start boosts.  The cost per page is learnt, as a
 * moving average, from ksmd's CPU over pages_scanned (6.6+) between
 * readings.
 */
void ksm_tune_watch_step(struct ksm_tune_watch *w,
			 const struct ksm_pace_reading *r, bool has_cpu,
			 unsigned long long committed, unsigned long long total,
			 struct ksm_tune_work *work);

/*
 * The sleep_millisecs that holds ksmd near KSM_PACE_IDLE_SHARE of a CPU
 * with batches of npages at cost_ns a page (<= 0: the default), at least
 * floor_ms (ksmtuned's sleep) and at most KSM_GOV_SLEEP_MAX_MS.
 */
unsigned long long ksm_tune_idle_sleep(unsigned long long npages,
				       double cost_ns,
				       unsigned long long floor_ms);

/* What the tuner carries from one cycle to the next. */
struct ksm_tune_state {
	long long npages;		/* ksmtuned's npages, 0 at start */
	unsigned long long cpu_ceiling;	/* advisor_max_cpu at start (%) */
	/* the knobs at start, what the tuner last wanted, what it changed */
	struct ksm_owned owned;
	unsigned int cycles;
};

/* Is this one of the knobs the tuner may write (and restores at exit)? */
bool ksm_tune_knob(enum ksm_knob_id id);

struct ksm_tune_write {
	enum ksm_knob_id id;
	struct ksm_value from;		/* as sampled */
	struct ksm_value to;
};

struct ksm_tune_decision {
	enum ksm_tune_action action;
	bool advisor;			/* driving advisor_max_cpu */
	/* The figures, KiB, as ksmtuned computes them (but sleep_ms). */
	unsigned long long total, free, committed, thres;
	unsigned long long sleep_ms;	/* written: ksmtuned's, longer if idle */
	const char *free_source;	/* "MemAvailable", ... */
	long long npages;
	unsigned long long max_cpu;	/* advisor path */
	/* Only the writes that change something. */
	struct ksm_tune_write writes[5];
	int count;
	char reason[1024];
	struct ksm_tune_state next;	/* valid if the writes are applied */
};

/*
 * The state at start: npages 0 (as ksmtuned), the knobs as they are (to
 * restore at exit), the advisor CPU ceiling as the administrator set it.
 */
void ksm_tune_state_init(struct ksm_tune_state *st, const struct ksm_sample *s);

/*
 * One adjustment.  s is a sample of the knobs and /proc/meminfo, cm the
 * committed memory, work what ksmd has been doing (NULL: unknown, the
 * default cost).  Returns 0 and fills d, or:
 *   -ENODATA  /proc/meminfo has no MemTotal, or a knob the tuner writes
 *             or decides from could not be read (reason says which, and
 *             what it held): unknown, not 0
 *   -ENOENT   the configuration needs the scan-time advisor (Linux 6.8)
 *             and this kernel has none
 */
int ksm_tune_decide(const struct ksm_tune_config *c, const struct ksm_sample *s,
		    const struct ksm_committed *cm,
		    const struct ksm_tune_state *prev,
		    const struct ksm_tune_work *work,
		    struct ksm_tune_decision *d);

#endif
