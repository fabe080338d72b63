/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the counters mean: pure functions of one sample (and of two, for
 * rates).  Figures that are undefined (a ratio over zero) are NAN, never a
 * made-up 0, so output can say "n/a" or null.
 */
#ifndef KSMCTL_METRICS_H
#define KSMCTL_METRICS_H

#include <stdbool.h>

#include "sample.h"

/* Size of one rmap_item in the kernel: 64 bytes on 64-bit, 32 on 32-bit. */
#define KSM_RMAP_ITEM_SIZE ((long)(sizeof(long) * 8))

struct ksm_metrics {
	unsigned long long rmap_items;		/* shared+sharing+unshared+volatile */
	unsigned long long rmap_bytes;		/* metadata KSM spends */
	unsigned long long saved_bytes;		/* (sharing + zero pages) x page */
	long long general_profit;		/* bytes, may be negative */
	bool profit_from_kernel;		/* read, not computed */
	unsigned long long unmerge_bytes;	/* memory a run=2 needs */
	double sharing_ratio;			/* sharing / shared */
	double waste_ratio;			/* unshared / sharing */
	double volatile_share;			/* volatile / rmap_items */
	double effectiveness_pct;		/* sharing / rmap_items x 100 */
	double scan_rate_pages;			/* pages/s ksmd may scan */
	double scan_rate_bytes;			/* the same in bytes/s */
	/*
	 * KSM_M_* bits of the figures above that are unknown, because a
	 * counter they come from could not be read (ksm_bad()): never a
	 * made-up 0.  Unknown ratios and rates are NAN.
	 */
	unsigned int unknown;
	/*
	 * KSM_M_* bits of the figures that saturated (units.h): at least
	 * what they say.  general_profit is unknown (and saturated) when
	 * both its terms saturated.
	 */
	unsigned int saturated;
};

enum {
	KSM_M_RMAP = 1 << 0,		/* rmap_items, rmap_bytes */
	KSM_M_SAVED = 1 << 1,		/* saved_bytes */
	KSM_M_PROFIT = 1 << 2,		/* general_profit */
	KSM_M_UNMERGE = 1 << 3,		/* unmerge_bytes */
	KSM_M_SHARING_RATIO = 1 << 4,
	KSM_M_WASTE_RATIO = 1 << 5,
	KSM_M_VOLATILE = 1 << 6,	/* volatile_share */
	KSM_M_EFFECTIVENESS = 1 << 7,
	KSM_M_SCAN_RATE = 1 << 8,	/* scan_rate_pages and _bytes */
};

void ksm_metrics_compute(const struct ksm_sample *s, struct ksm_metrics *m);

/* Rates between two samples; NAN when the interval is empty. */
struct ksm_rates {
	double seconds;
	double merged_pages_per_s;	/* change of pages_sharing */
	double scanned_pages_per_s;	/* change of pages_scanned (6.6+) */
	double full_scans_per_min;
};

void ksm_rates_compute(const struct ksm_sample *a, const struct ksm_sample *b,
		       struct ksm_rates *r);

enum ksm_severity { SEV_INFO, SEV_NOTICE, SEV_WARNING };

struct ksm_finding {
	enum ksm_severity severity;
	const char *id;		/* stable name for JSON and scripts */
	char text[240];
};

#define KSM_MAX_FINDINGS 12

/*
 * The kernel docs' heuristics in plain words; returns how many.  A
 * finding that needs a value that could not be read is not made.
 */
int ksm_findings(const struct ksm_sample *s, const struct ksm_metrics *m,
		 struct ksm_finding *out, int max);

const char *ksm_severity_name(enum ksm_severity sev);

#endif
