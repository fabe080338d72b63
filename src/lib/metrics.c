// SPDX-License-Identifier: GPL-2.0-or-later
#include "metrics.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "units.h"

static double ratio(unsigned long long num, unsigned long long den)
{
	return den ? (double)num / (double)den : NAN;
}

void ksm_metrics_compute(const struct ksm_sample *s, struct ksm_metrics *m)
{
	unsigned long long shared = ksm_u(s, KSM_PAGES_SHARED);
	unsigned long long sharing = ksm_u(s, KSM_PAGES_SHARING);
	unsigned long long unshared = ksm_u(s, KSM_PAGES_UNSHARED);
	unsigned long long volat = ksm_u(s, KSM_PAGES_VOLATILE);
	/* ksm_zero_pages is signed in the kernel; a negative reading is a
	 * transient accounting artefact, not a debt. */
	long long zero = ksm_s(s, KSM_ZERO_PAGES);
	unsigned long long zero_pages = zero > 0 ? (unsigned long long)zero : 0;
	unsigned long long page = (unsigned long long)s->page_size;
	unsigned long long sleep = ksm_u(s, KSM_SLEEP_MILLISECS);

	bool rmap_known = !ksm_bad(s, KSM_PAGES_SHARED) &&
			  !ksm_bad(s, KSM_PAGES_SHARING) &&
			  !ksm_bad(s, KSM_PAGES_UNSHARED) &&
			  !ksm_bad(s, KSM_PAGES_VOLATILE);
	bool saved_known = !ksm_bad(s, KSM_PAGES_SHARING) &&
			   !ksm_bad(s, KSM_ZERO_PAGES);

	memset(m, 0, sizeof(*m));
	/* saturated, never wrapped (units.h) */
	m->rmap_items = ksm_sat_add(ksm_sat_add(shared, sharing),
				    ksm_sat_add(unshared, volat));
	m->rmap_bytes = ksm_sat_mul(m->rmap_items,
				    (unsigned long long)KSM_RMAP_ITEM_SIZE);
	m->saved_bytes = ksm_pages_bytes(ksm_sat_add(sharing, zero_pages),
					 s->page_size);
	m->unmerge_bytes = m->saved_bytes;
	if (m->rmap_items == KSM_SAT || m->rmap_bytes == KSM_SAT)
		m->saturated |= KSM_M_RMAP;
	if (m->saved_bytes == KSM_SAT)
		m->saturated |= KSM_M_SAVED | KSM_M_UNMERGE;
	if (!rmap_known)
		m->unknown |= KSM_M_RMAP;
	if (!saved_known)
		m->unknown |= KSM_M_SAVED | KSM_M_UNMERGE;
	if (ksm_has(s, KSM_GENERAL_PROFIT)) {
		m->general_profit = ksm_s(s, KSM_GENERAL_PROFIT);
		m->profit_from_kernel = true;
	} else if (ksm_bad(s, KSM_GENERAL_PROFIT) || !rmap_known || !saved_known ||
		   (m->saved_bytes == KSM_SAT && m->rmap_bytes == KSM_SAT)) {
		/* both saturated: their difference is anyone's guess */
		m->unknown |= KSM_M_PROFIT;
		if (m->saved_bytes == KSM_SAT && m->rmap_bytes == KSM_SAT)
			m->saturated |= KSM_M_PROFIT;
		m->profit_from_kernel = ksm_bad(s, KSM_GENERAL_PROFIT);
	} else {
		/* The kernel's own formula (mm/ksm.c, general_profit_show). */
		m->general_profit = ksm_sat_diff(m->saved_bytes, m->rmap_bytes);
		if (m->general_profit == LLONG_MAX || m->general_profit == LLONG_MIN)
			m->saturated |= KSM_M_PROFIT;
	}
	if (ksm_bad(s, KSM_PAGES_SHARING) || ksm_bad(s, KSM_PAGES_SHARED))
		m->unknown |= KSM_M_SHARING_RATIO;
	if (ksm_bad(s, KSM_PAGES_UNSHARED) || ksm_bad(s, KSM_PAGES_SHARING))
		m->unknown |= KSM_M_WASTE_RATIO;
	if (!rmap_known)
		m->unknown |= KSM_M_VOLATILE | KSM_M_EFFECTIVENESS;
	if (ksm_bad(s, KSM_PAGES_TO_SCAN) || ksm_bad(s, KSM_SLEEP_MILLISECS))
		m->unknown |= KSM_M_SCAN_RATE;
	m->sharing_ratio = m->unknown & KSM_M_SHARING_RATIO ? NAN :
			   ratio(sharing, shared);
	m->waste_ratio = m->unknown & KSM_M_WASTE_RATIO ? NAN :
			 ratio(unshared, sharing);
	m->volatile_share = rmap_known ? ratio(volat, m->rmap_items) : NAN;
	m->effectiveness_pct = rmap_known ? 100 * ratio(sharing, m->rmap_items) : NAN;
	if (!ksm_has(s, KSM_PAGES_TO_SCAN) || !ksm_has(s, KSM_SLEEP_MILLISECS))
		m->scan_rate_pages = NAN;
	else if (sleep == 0)
		m->scan_rate_pages = INFINITY;
	else
		m->scan_rate_pages = (double)ksm_u(s, KSM_PAGES_TO_SCAN) *
				     1000.0 / (double)sleep;
	m->scan_rate_bytes = m->scan_rate_pages * (double)page;
}

void ksm_rates_compute(const struct ksm_sample *a, const struct ksm_sample *b,
		       struct ksm_rates *r)
{
	double secs = (double)ksm_elapsed_ns(&a->when, &b->when) / 1e9;

	r->seconds = secs;
	if (secs <= 0) {
		r->merged_pages_per_s = r->scanned_pages_per_s = NAN;
		r->full_scans_per_min = NAN;
		return;
	}
	r->merged_pages_per_s = ((double)ksm_u(b, KSM_PAGES_SHARING) -
				 (double)ksm_u(a, KSM_PAGES_SHARING)) / secs;
	if (ksm_has(a, KSM_PAGES_SCANNED) && ksm_has(b, KSM_PAGES_SCANNED))
		r->scanned_pages_per_s = ((double)ksm_u(b, KSM_PAGES_SCANNED) -
					  (double)ksm_u(a, KSM_PAGES_SCANNED)) / secs;
	else
		r->scanned_pages_per_s = NAN;
	/* full_scans restarts at 0 after run=2: no negative rate */
	if (ksm_u(b, KSM_FULL_SCANS) >= ksm_u(a, KSM_FULL_SCANS))
		r->full_scans_per_min = ((double)ksm_u(b, KSM_FULL_SCANS) -
					 (double)ksm_u(a, KSM_FULL_SCANS)) * 60 / secs;
	else
		r->full_scans_per_min = NAN;
}

const char *ksm_severity_name(enum ksm_severity sev)
{
	static const char *const names[] = {
		[SEV_INFO] = "info", [SEV_NOTICE] = "notice",
		[SEV_WARNING] = "warning",
	};
	return names[sev];
}

struct findings {
	struct ksm_finding *out;
	int max, n;
};

__attribute__((format(printf, 4, 5)))
static void add(struct findings *f, enum ksm_severity sev, const char *id,
		const char *fmt, ...)
{
	va_list ap;

	if (f->n >= f->max)
		return;
	f->out[f->n].severity = sev;
	f->out[f->n].id = id;
	va_start(ap, fmt);
	vsnprintf(f->out[f->n].text, sizeof(f->out[f->n].text), fmt, ap);
	va_end(ap);
	f->n++;
}

/* Thresholds: where the kernel docs' "high" starts, in ksmctl's reading. */
#define WASTE_RATIO_HIGH 10.0
#define VOLATILE_SHARE_HIGH 0.5
#define SCAN_RATE_HIGH 50000.0	/* pages/s: ~200 MiB/s with 4K pages */

static void running_findings(const struct ksm_sample *s,
			     const struct ksm_metrics *m, struct findings *f)
{
	unsigned long long full = ksm_u(s, KSM_FULL_SCANS);
	bool advisor = ksm_has(s, KSM_ADVISOR_MODE) &&
		       ksm_u(s, KSM_ADVISOR_MODE) != 0;

	/* the kernel takes it; ksmd then wakes up to scan nothing */
	if (!advisor && !ksm_bad(s, KSM_ADVISOR_MODE) &&
	    ksm_has(s, KSM_PAGES_TO_SCAN) &&
	    ksm_u(s, KSM_PAGES_TO_SCAN) == 0) {
		add(f, SEV_WARNING, "no-scan",
		    "pages_to_scan is 0: ksmd runs but scans nothing, so nothing is merged; 'ksmctl set pages_to_scan 100' scans again, 'ksmctl stop' stops it");
		return;
	}
	if (!advisor && ksm_bad(s, KSM_PAGES_TO_SCAN))
		return;	/* unknown: it may scan nothing, or anything */
	if (ksm_bad(s, KSM_FULL_SCANS))
		;	/* unknown: neither finding can be told */
	else if (m->rmap_items == 0 && full > 0 && !(m->unknown & KSM_M_RMAP))
		add(f, SEV_NOTICE, "nothing-to-scan",
		    "ksmd runs but no memory is registered for merging: use madvise(MADV_MERGEABLE), prctl(PR_SET_MEMORY_MERGE) or MemoryKSM=yes");
	else if (full == 0)
		add(f, SEV_INFO, "first-scan",
		    "the first full scan has not finished yet: the figures are still growing");
	if (ksm_has(s, KSM_SLEEP_MILLISECS) && ksm_u(s, KSM_SLEEP_MILLISECS) == 0)
		add(f, SEV_WARNING, "no-sleep",
		    "sleep_millisecs is 0: ksmd never sleeps and can keep a CPU busy");
	else if (!advisor && !ksm_bad(s, KSM_ADVISOR_MODE) &&
		 m->scan_rate_pages > SCAN_RATE_HIGH)
		add(f, SEV_NOTICE, "fast-scan",
		    "ksmd may scan %.0f pages/s (pages_to_scan x 1000 / sleep_millisecs): expect noticeable CPU use",
		    m->scan_rate_pages);
}

static void sharing_findings(const struct ksm_sample *s,
			     const struct ksm_metrics *m, struct findings *f)
{
	unsigned long long sharing = ksm_u(s, KSM_PAGES_SHARING);
	unsigned long long mps = ksm_u(s, KSM_MAX_PAGE_SHARING);

	if (!isnan(m->waste_ratio) && m->waste_ratio >= WASTE_RATIO_HIGH)
		add(f, SEV_WARNING, "wasted-scanning",
		    "pages_unshared/pages_sharing = %.0f: scanning a lot for little gain; mark fewer areas mergeable",
		    m->waste_ratio);
	else if (sharing == 0 && ksm_u(s, KSM_PAGES_UNSHARED) > 0 &&
		 ksm_u(s, KSM_FULL_SCANS) >= 2 &&
		 !KSM_NEED(s, NULL, NULL, 0, KSM_PAGES_SHARING, KSM_PAGES_UNSHARED,
			   KSM_FULL_SCANS))
		add(f, SEV_WARNING, "wasted-scanning",
		    "%llu pages are scanned but none merged after %llu full scans: the mergeable memory has no duplicates",
		    ksm_u(s, KSM_PAGES_UNSHARED), ksm_u(s, KSM_FULL_SCANS));
	if (!isnan(m->volatile_share) && m->volatile_share >= VOLATILE_SHARE_HIGH)
		add(f, SEV_WARNING, "volatile",
		    "%.0f%% of the tracked pages are volatile: they change too fast to merge",
		    m->volatile_share * 100);
	if (ksm_bad(s, KSM_MAX_PAGE_SHARING))
		;	/* close to the limit or not: unknown */
	else if (!isnan(m->sharing_ratio) && mps && m->sharing_ratio >= 0.9 * (double)mps)
		add(f, SEV_NOTICE, "sharing-limit",
		    "pages_sharing/pages_shared = %.0f is close to max_page_sharing (%llu): duplicates start stable node chains",
		    m->sharing_ratio, mps);
	else if (!isnan(m->sharing_ratio) && m->sharing_ratio >= 2)
		add(f, SEV_INFO, "good-sharing",
		    "pages_sharing/pages_shared = %.1f: each KSM page serves %.1f mappings", m->sharing_ratio,
		    m->sharing_ratio + 1);
	if (m->general_profit < 0 && !(m->unknown & KSM_M_PROFIT))
		add(f, SEV_WARNING, "negative-profit",
		    "general_profit is negative: KSM's metadata costs more memory than merging saves");
}

int ksm_findings(const struct ksm_sample *s, const struct ksm_metrics *m,
		 struct ksm_finding *out, int max)
{
	struct findings f = { .out = out, .max = max };
	unsigned long long run = ksm_u(s, KSM_RUN);

	if (!ksm_has(s, KSM_RUN) || ksm_bad(s, KSM_PAGES_SHARED))
		;	/* running or not, merged or not: unknown, nothing said */
	else if (run == 0 && ksm_u(s, KSM_PAGES_SHARED) > 0)
		add(&f, SEV_INFO, "stopped-merged",
		    "ksmd is stopped; pages merged earlier stay merged until 'ksmctl unmerge-all'");
	else if (run == 0)
		add(&f, SEV_INFO, "stopped", "ksmd is stopped: nothing is being merged");
	else if (run == 2)
		add(&f, SEV_INFO, "unmerged",
		    "ksmd is stopped and every page was unmerged (run=2); 'ksmctl start' merges again");
	if (ksm_has(s, KSM_RUN) && run == 1)
		running_findings(s, m, &f);
	sharing_findings(s, m, &f);
	return f.n;
}
