// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Derived figures, rates and findings: pure functions of hand-made
 * samples.  The page size is part of each sample, so the tests use
 * sizes other than 4096 too.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/metrics.h"

/* A sample of a kernel that has no KSM file at all, until set(). */
static void blank(struct ksm_sample *s, long page_size)
{
	memset(s, 0, sizeof(*s));
	s->page_size = page_size;
	for (int i = 0; i < KSM_KNOB_COUNT; i++)
		s->v[i].err = -ENOENT;
}

static void set(struct ksm_sample *s, enum ksm_knob_id id, long long value)
{
	s->v[id].err = 0;
	s->v[id].s = value;
	s->v[id].u = (unsigned long long)value;
}

/*
 * A 6.12 system: ksmd running, advisor off, all counters zero.
 * general_profit is left out (computed from the counters, as before
 * 6.4), so tests that change counters need not keep it in step.
 */
static void system_612(struct ksm_sample *s, long page_size)
{
	blank(s, page_size);
	for (int i = 0; i < KSM_KNOB_COUNT; i++)
		if (i != KSM_MAX_KERNEL_PAGES && i != KSM_GENERAL_PROFIT)
			set(s, (enum ksm_knob_id)i, 0);
	set(s, KSM_RUN, 1);
	set(s, KSM_PAGES_TO_SCAN, 100);
	set(s, KSM_SLEEP_MILLISECS, 20);
	set(s, KSM_MAX_PAGE_SHARING, 256);
	set(s, KSM_ADVISOR_MAX_CPU, 70);
	set(s, KSM_ADVISOR_MIN_PAGES_TO_SCAN, 500);
	set(s, KSM_ADVISOR_MAX_PAGES_TO_SCAN, 30000);
	set(s, KSM_ADVISOR_TARGET_SCAN_TIME, 200);
	set(s, KSM_FULL_SCANS, 10);
}

static void test_counts_and_bytes(void **state)
{
	struct ksm_sample s;
	struct ksm_metrics m;

	(void)state;
	assert_int_equal(KSM_RMAP_ITEM_SIZE, sizeof(long) == 8 ? 64 : 32);
	/* 4096 identical pages split into chains by max_page_sharing 256 */
	system_612(&s, 4096);
	set(&s, KSM_PAGES_SHARED, 16);
	set(&s, KSM_PAGES_SHARING, 4080);
	set(&s, KSM_PAGES_UNSHARED, 100);
	set(&s, KSM_PAGES_VOLATILE, 4);
	set(&s, KSM_ZERO_PAGES, 20);
	set(&s, KSM_GENERAL_PROFIT, 123);	/* the kernel's word wins */
	ksm_metrics_compute(&s, &m);
	assert_int_equal(m.rmap_items, 16 + 4080 + 100 + 4);
	assert_int_equal(m.rmap_bytes, 4200 * KSM_RMAP_ITEM_SIZE);
	assert_int_equal(m.saved_bytes, (4080 + 20) * 4096ULL);
	assert_int_equal(m.unmerge_bytes, (4080 + 20) * 4096ULL);
	assert_true(m.profit_from_kernel);
	assert_int_equal(m.general_profit, 123);
	assert_float_equal(m.sharing_ratio, 4080.0 / 16, 1e-9);
	assert_float_equal(m.waste_ratio, 100.0 / 4080, 1e-9);
	assert_float_equal(m.volatile_share, 4.0 / 4200, 1e-9);
	assert_float_equal(m.effectiveness_pct, 4080.0 * 100 / 4200, 1e-9);

	/* before 6.4: the kernel's formula, with this page size */
	s.v[KSM_GENERAL_PROFIT].err = -ENOENT;
	s.page_size = 16384;
	ksm_metrics_compute(&s, &m);
	assert_false(m.profit_from_kernel);
	assert_int_equal(m.saved_bytes, (4080 + 20) * 16384ULL);
	assert_true(m.general_profit ==
		    (long long)(4100 * 16384) - 4200 * KSM_RMAP_ITEM_SIZE);

	/* before 6.5 there is no ksm_zero_pages */
	s.v[KSM_ZERO_PAGES].err = -ENOENT;
	ksm_metrics_compute(&s, &m);
	assert_int_equal(m.saved_bytes, 4080 * 16384ULL);

	/* a transiently negative ksm_zero_pages saves nothing, costs nothing */
	set(&s, KSM_ZERO_PAGES, -5);
	ksm_metrics_compute(&s, &m);
	assert_int_equal(m.saved_bytes, 4080 * 16384ULL);

	/* scanning without merging: a negative profit */
	system_612(&s, 4096);
	set(&s, KSM_PAGES_UNSHARED, 1000);
	ksm_metrics_compute(&s, &m);
	assert_true(m.general_profit == -1000 * KSM_RMAP_ITEM_SIZE);
}

static void test_undefined_ratios(void **state)
{
	struct ksm_sample s;
	struct ksm_metrics m;

	(void)state;
	system_612(&s, 4096);
	ksm_metrics_compute(&s, &m);
	assert_true(isnan(m.sharing_ratio));
	assert_true(isnan(m.waste_ratio));
	assert_true(isnan(m.volatile_share));
	assert_true(isnan(m.effectiveness_pct));
	assert_int_equal(m.general_profit, 0);

	/* shared but nothing unshared: defined zeros, not NaN */
	set(&s, KSM_PAGES_SHARED, 1);
	set(&s, KSM_PAGES_SHARING, 1);
	ksm_metrics_compute(&s, &m);
	assert_float_equal(m.sharing_ratio, 1, 0);
	assert_float_equal(m.waste_ratio, 0, 0);
	assert_float_equal(m.volatile_share, 0, 0);
	assert_float_equal(m.effectiveness_pct, 50, 1e-9);
}

static void test_scan_rate(void **state)
{
	struct ksm_sample s;
	struct ksm_metrics m;

	(void)state;
	system_612(&s, 4096);
	ksm_metrics_compute(&s, &m);
	/* 100 pages every 20 ms */
	assert_float_equal(m.scan_rate_pages, 5000, 1e-9);
	assert_float_equal(m.scan_rate_bytes, 5000.0 * 4096, 1e-6);
	s.page_size = 65536;
	ksm_metrics_compute(&s, &m);
	assert_float_equal(m.scan_rate_bytes, 5000.0 * 65536, 1e-6);
	set(&s, KSM_SLEEP_MILLISECS, 0);
	ksm_metrics_compute(&s, &m);
	assert_true(isinf(m.scan_rate_pages));
	s.v[KSM_SLEEP_MILLISECS].err = -EACCES;
	ksm_metrics_compute(&s, &m);
	assert_true(isnan(m.scan_rate_pages));
	assert_true(isnan(m.scan_rate_bytes));
	set(&s, KSM_SLEEP_MILLISECS, 1000);
	set(&s, KSM_PAGES_TO_SCAN, 4294967295LL);
	ksm_metrics_compute(&s, &m);
	assert_float_equal(m.scan_rate_pages, 4294967295.0, 1e-3);
}

static void at(struct ksm_sample *s, long long ns)
{
	s->when.tv_sec = ns / 1000000000;
	s->when.tv_nsec = ns % 1000000000;
}

static void test_rates(void **state)
{
	struct ksm_sample a, b;
	struct ksm_rates r;

	(void)state;
	system_612(&a, 4096);
	system_612(&b, 4096);
	at(&a, 5 * 1000000000LL + 250000000);
	at(&b, 7 * 1000000000LL + 750000000);	/* 2.5 s later */
	assert_true(ksm_elapsed_ns(&a.when, &b.when) == 2500000000LL);
	assert_true(ksm_elapsed_ns(&b.when, &a.when) == -2500000000LL);
	set(&a, KSM_PAGES_SHARING, 1000);
	set(&b, KSM_PAGES_SHARING, 6000);
	set(&a, KSM_PAGES_SCANNED, 0);
	set(&b, KSM_PAGES_SCANNED, 25000);
	set(&a, KSM_FULL_SCANS, 10);
	set(&b, KSM_FULL_SCANS, 11);
	ksm_rates_compute(&a, &b, &r);
	assert_float_equal(r.seconds, 2.5, 1e-9);
	assert_float_equal(r.merged_pages_per_s, 2000, 1e-9);
	assert_float_equal(r.scanned_pages_per_s, 10000, 1e-9);
	assert_float_equal(r.full_scans_per_min, 24, 1e-9);

	/* unmerging: a negative merge rate is real */
	set(&b, KSM_PAGES_SHARING, 0);
	ksm_rates_compute(&a, &b, &r);
	assert_float_equal(r.merged_pages_per_s, -400, 1e-9);

	/* run=2 restarts full_scans: no made-up negative rate */
	set(&b, KSM_FULL_SCANS, 0);
	ksm_rates_compute(&a, &b, &r);
	assert_true(isnan(r.full_scans_per_min));

	/* before 6.6 there is no pages_scanned */
	b.v[KSM_PAGES_SCANNED].err = -ENOENT;
	ksm_rates_compute(&a, &b, &r);
	assert_true(isnan(r.scanned_pages_per_s));

	/* an empty or backwards interval gives no rates */
	ksm_rates_compute(&a, &a, &r);
	assert_true(isnan(r.merged_pages_per_s));
	assert_true(isnan(r.scanned_pages_per_s));
	assert_true(isnan(r.full_scans_per_min));
	ksm_rates_compute(&b, &a, &r);
	assert_true(isnan(r.merged_pages_per_s));
}

/* ---- findings ----------------------------------------------------------- */

static struct ksm_finding found[KSM_MAX_FINDINGS];
static int nfound;

static void find(const struct ksm_sample *s)
{
	struct ksm_metrics m;

	ksm_metrics_compute(s, &m);
	memset(found, 0, sizeof(found));
	nfound = ksm_findings(s, &m, found, KSM_MAX_FINDINGS);
	assert_true(nfound >= 0 && nfound <= KSM_MAX_FINDINGS);
	for (int i = 0; i < nfound; i++) {
		assert_non_null(found[i].id);
		assert_true(strlen(found[i].text) > 10);
		assert_null(strchr(found[i].text, '\n'));
	}
}

static const struct ksm_finding *finding(const char *id)
{
	for (int i = 0; i < nfound; i++)
		if (!strcmp(found[i].id, id))
			return &found[i];
	return NULL;
}

static void dump(void)
{
	for (int i = 0; i < nfound; i++)
		print_message("  finding %s: %s\n", found[i].id, found[i].text);
}

static void expect(const char *id, enum ksm_severity sev)
{
	const struct ksm_finding *f = finding(id);

	if (!f) {
		dump();
		fail_msg("finding %s missing", id);
	}
	assert_int_equal(f->severity, sev);
}

static void expect_none(const char *id)
{
	if (finding(id)) {
		dump();
		fail_msg("unexpected finding %s", id);
	}
}

static void test_findings_state(void **state)
{
	struct ksm_sample s;

	(void)state;
	system_612(&s, 4096);
	set(&s, KSM_RUN, 0);
	find(&s);
	expect("stopped", SEV_INFO);
	expect_none("stopped-merged");
	expect_none("first-scan");

	set(&s, KSM_PAGES_SHARED, 3);
	set(&s, KSM_PAGES_SHARING, 9);
	find(&s);
	expect("stopped-merged", SEV_INFO);
	expect_none("stopped");

	/* running, first scan not done */
	system_612(&s, 4096);
	set(&s, KSM_FULL_SCANS, 0);
	set(&s, KSM_PAGES_UNSHARED, 10);
	find(&s);
	expect("first-scan", SEV_INFO);
	expect_none("stopped");

	/* running, scans done, nothing registered */
	system_612(&s, 4096);
	find(&s);
	expect("nothing-to-scan", SEV_NOTICE);
	expect_none("first-scan");

	/* run=2 leaves ksmd stopped too */
	set(&s, KSM_RUN, 2);
	find(&s);
	expect_none("nothing-to-scan");
}

static void test_findings_scanning(void **state)
{
	struct ksm_sample s;

	(void)state;
	system_612(&s, 4096);
	set(&s, KSM_PAGES_SHARED, 100);
	set(&s, KSM_PAGES_SHARING, 1000);
	set(&s, KSM_SLEEP_MILLISECS, 0);
	find(&s);
	expect("no-sleep", SEV_WARNING);
	expect_none("fast-scan");

	/* 10000 pages / 100 ms = 100000 pages/s */
	set(&s, KSM_SLEEP_MILLISECS, 100);
	set(&s, KSM_PAGES_TO_SCAN, 10000);
	find(&s);
	expect("fast-scan", SEV_NOTICE);
	assert_non_null(strstr(finding("fast-scan")->text, "100000 pages/s"));
	/* at the threshold (50000/s) it is not yet fast */
	set(&s, KSM_PAGES_TO_SCAN, 5000);
	find(&s);
	expect_none("fast-scan");
	set(&s, KSM_PAGES_TO_SCAN, 5001);
	find(&s);
	expect("fast-scan", SEV_NOTICE);
	/* the advisor owns pages_to_scan: its choice is not flagged */
	set(&s, KSM_ADVISOR_MODE, 1);
	find(&s);
	expect_none("fast-scan");
	/* a stopped ksmd scans nothing */
	set(&s, KSM_ADVISOR_MODE, 0);
	set(&s, KSM_RUN, 0);
	set(&s, KSM_SLEEP_MILLISECS, 0);
	find(&s);
	expect_none("fast-scan");
	expect_none("no-sleep");
}

static void test_findings_waste(void **state)
{
	struct ksm_sample s;
	const struct ksm_finding *f;

	(void)state;
	/* the issue's example: unshared/sharing = 14 */
	system_612(&s, 4096);
	set(&s, KSM_PAGES_SHARED, 10);
	set(&s, KSM_PAGES_SHARING, 100);
	set(&s, KSM_PAGES_UNSHARED, 1400);
	find(&s);
	expect("wasted-scanning", SEV_WARNING);
	f = finding("wasted-scanning");
	static const char issue[] =
		"pages_unshared/pages_sharing = 14: scanning a lot for little gain";
	assert_true(!strncmp(f->text, issue, strlen(issue)));
	/* the threshold is 10 */
	set(&s, KSM_PAGES_UNSHARED, 999);
	find(&s);
	expect_none("wasted-scanning");
	set(&s, KSM_PAGES_UNSHARED, 1000);
	find(&s);
	expect("wasted-scanning", SEV_WARNING);

	/* nothing merged after two full scans */
	system_612(&s, 4096);
	set(&s, KSM_PAGES_UNSHARED, 5000);
	set(&s, KSM_FULL_SCANS, 2);
	find(&s);
	expect("wasted-scanning", SEV_WARNING);
	assert_non_null(strstr(finding("wasted-scanning")->text, "5000 pages"));
	expect("negative-profit", SEV_WARNING);
	/* ... but after one scan it is too early to say */
	set(&s, KSM_FULL_SCANS, 1);
	find(&s);
	expect_none("wasted-scanning");
}

static void test_findings_sharing(void **state)
{
	struct ksm_sample s;

	(void)state;
	/* half the tracked pages volatile */
	system_612(&s, 4096);
	set(&s, KSM_PAGES_SHARED, 10);
	set(&s, KSM_PAGES_SHARING, 40);
	set(&s, KSM_PAGES_VOLATILE, 50);
	find(&s);
	expect("volatile", SEV_WARNING);
	assert_non_null(strstr(finding("volatile")->text, "50%"));
	set(&s, KSM_PAGES_VOLATILE, 49);
	find(&s);
	expect_none("volatile");

	/* good sharing: 4 more mappings per KSM page, 5 in all */
	expect("good-sharing", SEV_INFO);
	assert_non_null(strstr(finding("good-sharing")->text, "= 4.0"));
	expect_none("sharing-limit");
	expect_none("negative-profit");
	expect_none("wasted-scanning");

	/* close to max_page_sharing: chains start */
	set(&s, KSM_PAGES_SHARED, 16);
	set(&s, KSM_PAGES_SHARING, 4080);
	set(&s, KSM_PAGES_VOLATILE, 0);
	find(&s);
	expect("sharing-limit", SEV_NOTICE);
	assert_non_null(strstr(finding("sharing-limit")->text, "(256)"));
	expect_none("good-sharing");
	/* on kernels before 4.13 there is no limit to be close to */
	s.v[KSM_MAX_PAGE_SHARING].err = -ENOENT;
	find(&s);
	expect_none("sharing-limit");
	expect("good-sharing", SEV_INFO);

	/* below a ratio of 2, nothing to praise */
	system_612(&s, 4096);
	set(&s, KSM_PAGES_SHARED, 10);
	set(&s, KSM_PAGES_SHARING, 19);
	find(&s);
	expect_none("good-sharing");
}

static void test_findings_healthy_and_limits(void **state)
{
	struct ksm_sample s;
	struct ksm_metrics m;
	struct ksm_finding few[2];

	(void)state;
	/* a busy, healthy system: no warnings at all */
	system_612(&s, 4096);
	set(&s, KSM_PAGES_SHARED, 1000);
	set(&s, KSM_PAGES_SHARING, 20000);
	set(&s, KSM_PAGES_UNSHARED, 5000);
	set(&s, KSM_PAGES_VOLATILE, 100);
	set(&s, KSM_GENERAL_PROFIT, 80000000);
	find(&s);
	for (int i = 0; i < nfound; i++)
		if (found[i].severity == SEV_WARNING)
			fail_msg("warning on a healthy system: %s", found[i].text);
	expect("good-sharing", SEV_INFO);

	/* the negative profit the kernel reports wins over ours */
	set(&s, KSM_GENERAL_PROFIT, -4096);
	find(&s);
	expect("negative-profit", SEV_WARNING);

	/* out is never overrun */
	system_612(&s, 4096);
	set(&s, KSM_SLEEP_MILLISECS, 0);
	set(&s, KSM_PAGES_SHARED, 10);
	set(&s, KSM_PAGES_SHARING, 10);
	set(&s, KSM_PAGES_UNSHARED, 1000);
	set(&s, KSM_PAGES_VOLATILE, 5000);
	ksm_metrics_compute(&s, &m);
	assert_true(ksm_findings(&s, &m, found, KSM_MAX_FINDINGS) > 2);
	memset(few, 0, sizeof(few));
	assert_int_equal(ksm_findings(&s, &m, few, 2), 2);
	assert_int_equal(ksm_findings(&s, &m, few, 0), 0);

	assert_string_equal(ksm_severity_name(SEV_INFO), "info");
	assert_string_equal(ksm_severity_name(SEV_NOTICE), "notice");
	assert_string_equal(ksm_severity_name(SEV_WARNING), "warning");
}



/*
 * bytes = pages x page size and the sums of counters saturate: a counter
 * near 2^52 or at 2^64 - 1 never wraps a figure to a small one (it made
 * the unmerge estimate "0B, fits", and 2^64 - 1 printed as "-4K").
 */
static void test_counters_saturate(void **state)
{
	static const unsigned long long huge[] = {
		0, 1000, 1ULL << 52, (1ULL << 52) + 1, 1ULL << 58, 1ULL << 63,
		ULLONG_MAX - 1, ULLONG_MAX,
	};
	static const long pages[] = { 4096, 65536 };
	static const enum ksm_knob_id ids[] = {
		KSM_PAGES_SHARED, KSM_PAGES_SHARING, KSM_PAGES_UNSHARED,
		KSM_PAGES_VOLATILE, KSM_ZERO_PAGES,
	};
	const unsigned __int128 umax = ULLONG_MAX;

	(void)state;
	for (size_t p = 0; p < sizeof(pages) / sizeof(pages[0]); p++)
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
	for (size_t a = 0; a < sizeof(huge) / sizeof(huge[0]); a++)
	for (size_t b = 0; b < sizeof(huge) / sizeof(huge[0]); b++) {
		unsigned long long c[5] = { 7, 9, 11, 13, 17 };
		unsigned __int128 rmap, saved, rbytes;
		struct ksm_sample s;
		struct ksm_metrics m;

		c[i] = huge[a];
		c[(i + 1) % 5] = huge[b];
		system_612(&s, pages[p]);
		for (int k = 0; k < 5; k++)
			set(&s, ids[k], (long long)c[k]);
		/* ksm_zero_pages is signed: a huge reading is a negative one */
		if ((long long)c[4] < 0)
			c[4] = 0;
		ksm_metrics_compute(&s, &m);
		rmap = (unsigned __int128)c[0] + c[1] + c[2] + c[3];
		saved = ((unsigned __int128)c[1] + c[4]) * (unsigned long)pages[p];
		rbytes = (rmap > umax ? umax : rmap) * KSM_RMAP_ITEM_SIZE;
		assert_true(m.rmap_items == (rmap > umax ? ULLONG_MAX :
					     (unsigned long long)rmap));
		assert_true(m.saved_bytes == (saved > umax ? ULLONG_MAX :
					      (unsigned long long)saved));
		assert_true(m.unmerge_bytes == m.saved_bytes);
		assert_true(m.rmap_bytes == (rbytes > umax ? ULLONG_MAX :
					     (unsigned long long)rbytes));
		if (!(m.unknown & KSM_M_PROFIT)) {
			__int128 diff = (__int128)m.saved_bytes - (__int128)m.rmap_bytes;

			assert_true(m.general_profit ==
				    (diff > LLONG_MAX ? LLONG_MAX :
				     diff < LLONG_MIN ? LLONG_MIN : (long long)diff));
		} else {
			assert_true(m.saved_bytes == ULLONG_MAX &&
				    m.rmap_bytes == ULLONG_MAX);
		}
		if (!isnan(m.effectiveness_pct))
			assert_true(m.effectiveness_pct >= 0 &&
				    m.effectiveness_pct <= 100.0 + 1e-9);
	}
}

/* ---- fail closed: a value that could not be read is unknown, not 0 ---- */

/* How a file can fail: held no value, unreadable, not a file. */
static const int bad_errs[] = {
	-EBADMSG, -EACCES, -EIO, -EISDIR, -EBADFD, -EFBIG, -EINVAL,
};

/* Values a knob or counter file could hold; 0 for the list knobs. */
static int values_of(enum ksm_knob_id id, long long *out)
{
	static const long long nums[] = {
		0, 1, 2, 3, 10, 100, 256, 5000, 1000000, 1LL << 40,
	};
	const struct ksm_knob *k = &ksm_knobs[id];
	int n = 0;

	switch (k->kind) {
	case KNOB_ULONG_LIST:
	case KNOB_RATIO_LIST:
		return 0;
	case KNOB_BOOL:
		out[n++] = 0;
		out[n++] = 1;
		return n;
	case KNOB_MODE:
		for (int i = 0; k->modes[i]; i++)
			out[n++] = i;
		return n;
	default:
		for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
			out[n++] = nums[i];
		if (k->kind == KNOB_SCOUNTER || k->kind == KNOB_INT)
			out[n++] = -1000000;
		return n;
	}
}

static bool made(const struct ksm_finding *f, int n, const char *id)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(f[i].id, id))
			return true;
	return false;
}

static bool same_double(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

/*
 * The property: with any one file unreadable, in any way, every finding
 * made is one that every value the file could hold makes too, and every
 * figure not marked unknown is the figure every such value gives.  So
 * nothing is concluded from a value that was not read.
 */
static void unknown_is_no_value(const struct ksm_sample *base, const char *what)
{
	for (int id = 0; id < KSM_KNOB_COUNT; id++) {
		long long xs[16];
		int nx = values_of((enum ksm_knob_id)id, xs);

		for (size_t e = 0; nx && e < sizeof(bad_errs) / sizeof(bad_errs[0]); e++) {
			struct ksm_finding fb[KSM_MAX_FINDINGS], fx[KSM_MAX_FINDINGS];
			struct ksm_sample bad = *base, s;
			struct ksm_metrics mb, mx;
			int nb, n;

			memset(&bad.v[id], 0, sizeof(bad.v[id]));
			bad.v[id].err = bad_errs[e];
			ksm_metrics_compute(&bad, &mb);
			nb = ksm_findings(&bad, &mb, fb, KSM_MAX_FINDINGS);
			for (int i = 0; i < nx; i++) {
				s = *base;
				set(&s, (enum ksm_knob_id)id, xs[i]);
				ksm_metrics_compute(&s, &mx);
				n = ksm_findings(&s, &mx, fx, KSM_MAX_FINDINGS);
				for (int j = 0; j < nb; j++)
					if (!made(fx, n, fb[j].id))
						fail_msg("%s: %s unreadable (%d) gives finding %s, which %s = %lld does not",
							 what, ksm_knobs[id].name, bad_errs[e],
							 fb[j].id, ksm_knobs[id].name, xs[i]);
#define SAME(bit, field, eq) \
	if (!(mb.unknown & (bit)) && !(eq)) \
		fail_msg("%s: %s unreadable (%d): " #field " is not unknown, and %s = %lld changes it", \
			 what, ksm_knobs[id].name, bad_errs[e], ksm_knobs[id].name, xs[i])
				SAME(KSM_M_RMAP, rmap_items, mb.rmap_items == mx.rmap_items);
				SAME(KSM_M_RMAP, rmap_bytes, mb.rmap_bytes == mx.rmap_bytes);
				SAME(KSM_M_SAVED, saved_bytes, mb.saved_bytes == mx.saved_bytes);
				SAME(KSM_M_PROFIT, general_profit,
				     mb.general_profit == mx.general_profit);
				SAME(KSM_M_UNMERGE, unmerge_bytes,
				     mb.unmerge_bytes == mx.unmerge_bytes);
				SAME(KSM_M_SHARING_RATIO, sharing_ratio,
				     same_double(mb.sharing_ratio, mx.sharing_ratio));
				SAME(KSM_M_WASTE_RATIO, waste_ratio,
				     same_double(mb.waste_ratio, mx.waste_ratio));
				SAME(KSM_M_VOLATILE, volatile_share,
				     same_double(mb.volatile_share, mx.volatile_share));
				SAME(KSM_M_EFFECTIVENESS, effectiveness_pct,
				     same_double(mb.effectiveness_pct, mx.effectiveness_pct));
				SAME(KSM_M_SCAN_RATE, scan_rate_pages,
				     same_double(mb.scan_rate_pages, mx.scan_rate_pages));
#undef SAME
			}
		}
	}
}

static void test_unreadable_findings_property(void **state)
{
	struct ksm_sample s;

	(void)state;
	/* running and merging well, with the kernel's general_profit */
	system_612(&s, 4096);
	set(&s, KSM_PAGES_SHARED, 16);
	set(&s, KSM_PAGES_SHARING, 4080);
	set(&s, KSM_PAGES_UNSHARED, 100);
	set(&s, KSM_PAGES_VOLATILE, 4);
	set(&s, KSM_GENERAL_PROFIT, 16000000);
	unknown_is_no_value(&s, "merging");
	/* stopped with pages merged; profit computed (no general_profit) */
	system_612(&s, 4096);
	set(&s, KSM_RUN, 0);
	set(&s, KSM_PAGES_SHARED, 3);
	set(&s, KSM_PAGES_SHARING, 9);
	unknown_is_no_value(&s, "stopped, merged");
	/* stopped, nothing merged; unmerged */
	system_612(&s, 4096);
	set(&s, KSM_RUN, 0);
	unknown_is_no_value(&s, "stopped");
	set(&s, KSM_RUN, 2);
	unknown_is_no_value(&s, "unmerged");
	/* running, nothing registered; the first scan */
	system_612(&s, 65536);
	unknown_is_no_value(&s, "nothing registered");
	set(&s, KSM_FULL_SCANS, 0);
	set(&s, KSM_PAGES_UNSHARED, 7);
	unknown_is_no_value(&s, "first scan");
	/* scanning for nothing, volatile, a negative profit */
	system_612(&s, 4096);
	set(&s, KSM_PAGES_SHARED, 1);
	set(&s, KSM_PAGES_SHARING, 10);
	set(&s, KSM_PAGES_UNSHARED, 100000);
	set(&s, KSM_PAGES_VOLATILE, 500000);
	unknown_is_no_value(&s, "wasteful");
	set(&s, KSM_PAGES_SHARING, 0);
	unknown_is_no_value(&s, "nothing merged");
	/* sleep 0, a fast scan, sharing near its limit */
	system_612(&s, 4096);
	set(&s, KSM_SLEEP_MILLISECS, 0);
	set(&s, KSM_PAGES_SHARED, 10);
	set(&s, KSM_PAGES_SHARING, 2500);
	unknown_is_no_value(&s, "sleepless");
	set(&s, KSM_SLEEP_MILLISECS, 1);
	set(&s, KSM_PAGES_TO_SCAN, 100000);
	unknown_is_no_value(&s, "fast");
	/* the advisor on */
	set(&s, KSM_ADVISOR_MODE, 1);
	unknown_is_no_value(&s, "advisor");
}

/* The instances the issue names: what today's main concluded from 0. */
static void test_unreadable_examples(void **state)
{
	struct ksm_sample s;
	struct ksm_metrics m;

	(void)state;
	/* run holds garbage: not "ksmd is stopped" */
	system_612(&s, 4096);
	set(&s, KSM_PAGES_SHARED, 3);
	set(&s, KSM_PAGES_SHARING, 9);
	s.v[KSM_RUN].err = -EBADMSG;
	find(&s);
	expect_none("stopped");
	expect_none("stopped-merged");
	expect_none("unmerged");
	/* pages_sharing unreadable: saved, unmerge and profit are unknown */
	system_612(&s, 4096);
	set(&s, KSM_PAGES_SHARED, 3);
	s.v[KSM_PAGES_SHARING].err = -EACCES;
	ksm_metrics_compute(&s, &m);
	assert_true(m.unknown & KSM_M_SAVED);
	assert_true(m.unknown & KSM_M_UNMERGE);
	assert_true(m.unknown & KSM_M_PROFIT);
	assert_true(m.unknown & KSM_M_RMAP);
	assert_true(isnan(m.sharing_ratio));
	/* the kernel lacks a file (-ENOENT): that is no unknown */
	system_612(&s, 4096);
	s.v[KSM_ZERO_PAGES].err = -ENOENT;
	s.v[KSM_PAGES_SKIPPED].err = -ENOENT;
	ksm_metrics_compute(&s, &m);
	assert_int_equal(m.unknown, 0);
	/* pages_to_scan unreadable: the scan rate is unknown, not "n/a" */
	s.v[KSM_PAGES_TO_SCAN].err = -EBADMSG;
	ksm_metrics_compute(&s, &m);
	assert_int_equal(m.unknown, KSM_M_SCAN_RATE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_and_bytes),
		cmocka_unit_test(test_undefined_ratios),
		cmocka_unit_test(test_scan_rate),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_findings_state),
		cmocka_unit_test(test_findings_scanning),
		cmocka_unit_test(test_findings_waste),
		cmocka_unit_test(test_findings_sharing),
		cmocka_unit_test(test_findings_healthy_and_limits),
		cmocka_unit_test(test_counters_saturate),
		cmocka_unit_test(test_unreadable_findings_property),
		cmocka_unit_test(test_unreadable_examples),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
