// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tuner: the decision as a pure function (table-driven: memory rising
 * and falling, thresholds, clamps, advisor kernels, no qemu at all, a
 * process vanishing mid-scan), the restore plan, and the committed-memory
 * scan on throw-away sysroots.  ksmtuned.conf is test_tuneconf.c's.
 */
#include <errno.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/committed.h"
#include "lib/tuner.h"
#include "testutil.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define GIB (1024ULL * 1024)	/* in KiB */

static void test_governor_budgets(void **state)
{
	(void)state;
	/* UKSM's presets, in % of one CPU */
	assert_int_equal(ksm_tune_governor_budget(TUNE_GOV_FULL), 95);
	assert_int_equal(ksm_tune_governor_budget(TUNE_GOV_MEDIUM), 50);
	assert_int_equal(ksm_tune_governor_budget(TUNE_GOV_LOW), 20);
	assert_int_equal(ksm_tune_governor_budget(TUNE_GOV_QUIET), 1);
	assert_int_equal(ksm_tune_governor_budget(TUNE_GOV_NONE), 0);
}

/* ---- the decision ----------------------------------------------------- */

enum kernel { K61, K618_NONE, K618_SCAN };

struct decide_case {
	const char *name;
	const char *conf;		/* over the defaults */
	enum kernel kernel;
	/* /proc/meminfo, KiB; avail ~0: no MemAvailable line */
	unsigned long long total, free, avail, buffers, cached;
	unsigned long long committed;	/* KiB */
	/* knobs as sampled */
	unsigned long long run, pages, sleep, max_cpu;
	long long npages;		/* previous state */
	/* expected */
	int rc;
	enum ksm_tune_action action;
	long long want_npages;
	const char *writes;		/* "run=1 pages_to_scan=64" in order */
	const char *reason;		/* a substring */
	const struct ksm_tune_work *work;	/* NULL: nothing known */
};

#define NOAVAIL (~0ULL)

/* What ksmd has been doing, as the command would measure it. */
static const struct ksm_tune_work merging = {
	.activity = TUNE_ACT_WORKING, .cost_ns = 1500, .cost_measured = true,
};
/* idle at 1 us a page: 64 pages cost 64 us, 0.5 % of 12.8 ms */
static const struct ksm_tune_work idle_cheap = {
	.activity = TUNE_ACT_IDLE, .quiet_scans = 2, .cost_ns = 1000,
	.cost_measured = true,
};
/* no ksmd to measure (a fixture): 5 us a page, 64 ms */
static const struct ksm_tune_work idle_default = {
	.activity = TUNE_ACT_IDLE, .quiet_scans = 3,
};
/* 200 us a page would want 2.5 s: the sleep stops at 1 s */
static const struct ksm_tune_work idle_costly = {
	.activity = TUNE_ACT_IDLE, .quiet_scans = 2, .cost_ns = 200000,
	.cost_measured = true,
};
static const struct ksm_tune_work new_guest = {
	.activity = TUNE_ACT_WORKING, .cost_ns = 1500, .cost_measured = true,
	.woke_growth = 2ULL << 30,
};

static const struct decide_case decide_cases[] = {
	/* 16 GiB host, threshold 20% = 3.2 GiB, sleep 10 ms */
	{ "no qemu at all, memory plentiful: stop", NULL, K618_NONE,
	  16 * GIB, 8 * GIB, 12 * GIB, 0, 0, 0, 1, 100, 20, 70, 0,
	  0, TUNE_STOP, 0, "run=0", "KSM not needed: committed 0B", NULL },
	{ "already stopped: nothing to write", NULL, K618_NONE,
	  16 * GIB, 8 * GIB, 12 * GIB, 0, 0, 0, 0, 100, 20, 70, 0,
	  0, TUNE_STOP, 0, "", "KSM not needed", NULL },
	{ "unmerged (run 2) counts as stopped", NULL, K618_NONE,
	  16 * GIB, 8 * GIB, 12 * GIB, 0, 0, 0, 2, 100, 20, 70, 0,
	  0, TUNE_STOP, 0, "", "KSM not needed", NULL },
	{ "stop keeps npages", NULL, K618_NONE,
	  16 * GIB, 8 * GIB, 12 * GIB, 0, 0, 0, 1, 600, 10, 70, 600,
	  0, TUNE_STOP, 600, "run=0", "KSM not needed", NULL },
	{ "committed high, free high: first decay clamps to the minimum", NULL,
	  K618_NONE, 16 * GIB, 8 * GIB, 8 * GIB, 0, 0, 14 * GIB,
	  0, 100, 20, 70, 0,
	  0, TUNE_DECAY, 64, "pages_to_scan=64 sleep_millisecs=10 run=1",
	  "clamped to KSM_NPAGES_MIN", NULL },
	{ "free low, nothing known yet: boost straight to the maximum", NULL,
	  K618_NONE, 16 * GIB, 1 * GIB, 2 * GIB, 0, 0, 14 * GIB, 1, 64, 10, 70, 64,
	  0, TUNE_BOOST, 1250, "pages_to_scan=1250",
	  "< threshold 3.2G: boost: nothing known of ksmd's work yet, merging pays: full pace -> 1250 pages (KSM_NPAGES_MAX)", NULL },
	{ "free low, ksmd merging: the maximum, not ksmtuned's +300", NULL,
	  K618_NONE, 16 * GIB, 1 * GIB, 1 * GIB, 0, 0, 15 * GIB, 1, 364, 10, 70, 364,
	  0, TUNE_BOOST, 1250, "pages_to_scan=1250",
	  "boost: ksmd is merging, merging pays: full pace -> 1250 pages", &merging },
	{ "free low, merging, at the maximum already: nothing to write", NULL,
	  K618_NONE, 16 * GIB, 1 * GIB, 1 * GIB, 0, 0, 15 * GIB, 1, 1250, 10, 70, 1250,
	  0, TUNE_BOOST, 1250, "", "full pace -> 1250 pages", &merging },
	{ "a new guest while idle: the maximum again", NULL,
	  K618_NONE, 16 * GIB, 1 * GIB, 1 * GIB, 0, 0, 15 * GIB, 1, 64, 13, 70, 64,
	  0, TUNE_BOOST, 1250, "pages_to_scan=1250 sleep_millisecs=10",
	  "boost: the committed memory grew by 2G (a new guest?), merging pays", &new_guest },
	{ "the maximum follows KSM_NPAGES_MAX", "KSM_NPAGES_MAX=4000\n",
	  K618_NONE, 16 * GIB, 1 * GIB, 1 * GIB, 0, 0, 15 * GIB, 1, 64, 10, 70, 64,
	  0, TUNE_BOOST, 4000, "pages_to_scan=4000", "full pace -> 4000 pages", &merging },
	{ "idle, free low: the least pages, a sleep for 0.5% of a CPU", NULL,
	  K618_NONE, 16 * GIB, 1 * GIB, 1 * GIB, 0, 0, 15 * GIB, 1, 1250, 10, 70, 1250,
	  0, TUNE_IDLE, 64, "pages_to_scan=64 sleep_millisecs=13",
	  "< threshold 3.2G: idle: nothing merged in 2 full scans: pages_to_scan 64, sleep_millisecs 13 (ksmd near 0.5% of a CPU at 1000 ns a page, measured)",
	  &idle_cheap },
	{ "idle without a measured cost: the default 5 us a page", NULL,
	  K618_NONE, 16 * GIB, 1 * GIB, 1 * GIB, 0, 0, 15 * GIB, 1, 1250, 10, 70, 1250,
	  0, TUNE_IDLE, 64, "pages_to_scan=64 sleep_millisecs=64",
	  "idle: nothing merged in 3 full scans: pages_to_scan 64, sleep_millisecs 64 (ksmd near 0.5% of a CPU at 5000 ns a page, the default)",
	  &idle_default },
	{ "idle, decay: the same idle pace", NULL,
	  K618_NONE, 16 * GIB, 8 * GIB, 8 * GIB, 0, 0, 14 * GIB, 1, 600, 10, 70, 600,
	  0, TUNE_IDLE, 64, "pages_to_scan=64 sleep_millisecs=64",
	  ">= threshold 3.2G: idle: nothing merged in 3 full scans", &idle_default },
	{ "idle: the sleep stops at 1 s", NULL,
	  K618_NONE, 16 * GIB, 1 * GIB, 1 * GIB, 0, 0, 15 * GIB, 1, 1250, 10, 70, 1250,
	  0, TUNE_IDLE, 64, "pages_to_scan=64 sleep_millisecs=1000",
	  "sleep_millisecs 1000", &idle_costly },
	{ "idle: never shorter than ksmtuned's sleep", NULL,
	  K618_NONE, 2 * GIB, 0, 100 * 1024, 0, 0, 2 * GIB, 1, 1250, 80, 70, 1250,
	  0, TUNE_IDLE, 64, "pages_to_scan=64", "sleep_millisecs 80 (", &idle_cheap },
	{ "idle, KSM_NPAGES_MIN 640: ten times the sleep", "KSM_NPAGES_MIN=640\n",
	  K618_NONE, 16 * GIB, 1 * GIB, 1 * GIB, 0, 0, 15 * GIB, 1, 1250, 10, 70, 1250,
	  0, TUNE_IDLE, 640, "pages_to_scan=640 sleep_millisecs=128", "sleep_millisecs 128", &idle_cheap },
	{ "idle on the advisor: its CPU cap at the least, the sleep ksmtuned's", NULL,
	  K618_SCAN, 16 * GIB, 1 * GIB, 1 * GIB, 0, 0, 14 * GIB, 1, 5000, 10, 70, 1250,
	  0, TUNE_IDLE, 64, "advisor_max_cpu=4",
	  "idle: nothing merged in 2 full scans; the scan-time advisor sets pages_to_scan: advisor_max_cpu 4% of 70%",
	  &idle_cheap },
	{ "decay while merging: ksmtuned's", NULL, K618_NONE,
	  16 * GIB, 6 * GIB, 6 * GIB, 0, 0, 14 * GIB, 1, 664, 10, 70, 664,
	  0, TUNE_DECAY, 614, "pages_to_scan=614", "decay -50 -> 614 pages", &merging },
	{ "memory falling: decay", NULL, K618_NONE,
	  16 * GIB, 6 * GIB, 6 * GIB, 0, 0, 14 * GIB, 1, 664, 10, 70, 664,
	  0, TUNE_DECAY, 614, "pages_to_scan=614", "decay -50 -> 614 pages", NULL },
	{ "free exactly at the threshold decays (ksmtuned's -lt)", NULL, K618_NONE,
	  10 * 1024 * 1024, 0, 2097152, 0, 0, 9 * GIB, 1, 500, 10, 70, 500,
	  0, TUNE_DECAY, 450, "pages_to_scan=450", ">= threshold", NULL },
	{ "free at the threshold and little committed: needed", NULL, K618_NONE,
	  10 * 1024 * 1024, 0, 2097152, 0, 0, 0, 0, 100, 10, 70, 0,
	  0, TUNE_DECAY, 64, "pages_to_scan=64 sleep_millisecs=16 run=1",
	  "< (but free is low) total 10G; free 2G (MemAvailable) >= threshold 2G: decay", NULL },
	{ "committed + threshold == total: needed (ksmtuned's -lt)", NULL, K618_NONE,
	  10 * 1024 * 1024, 0, 8 * GIB, 0, 0, 8 * GIB, 0, 100, 16, 70, 0,
	  0, TUNE_DECAY, 64, "pages_to_scan=64 run=1", "committed 8G + threshold 2G >= total 10G", NULL },
	{ "one KiB less committed: not needed", NULL, K618_NONE,
	  10 * 1024 * 1024, 0, 8 * GIB, 0, 0, 8 * GIB - 1, 1, 100, 16, 70, 0,
	  0, TUNE_STOP, 0, "run=0", "KSM not needed", NULL },
	{ "THRES_CONST dominates on a small host", "KSM_THRES_CONST=1048576\n",
	  K618_NONE, 2 * GIB, 0, 1536 * 1024, 0, 0, 0, 0, 100, 20, 70, 0,
	  0, TUNE_STOP, 0, "", "threshold 1G < total 2G", NULL },
	{ "small host sleeps more", NULL, K618_NONE,
	  2 * GIB, 0, 100 * 1024, 0, 0, 2 * GIB, 0, 100, 20, 70, 0,
	  0, TUNE_BOOST, 1250, "pages_to_scan=1250 sleep_millisecs=80 run=1", "boost", NULL },
	{ "large host: sleep floors at 10 ms", NULL, K618_NONE,
	  256 * GIB, 0, 1 * GIB, 0, 0, 255 * GIB, 1, 1250, 20, 70, 0,
	  0, TUNE_BOOST, 1250, "sleep_millisecs=10", "boost", NULL },
	{ "KSM_SLEEP_MSEC scales", "KSM_SLEEP_MSEC=40\n", K618_NONE,
	  8 * GIB, 0, 100 * 1024, 0, 0, 8 * GIB, 1, 1250, 80, 70, 0,
	  0, TUNE_BOOST, 1250, "", "boost", NULL },
	{ "ksmtuned's free: MemFree+Buffers+Cached", "KSM_FREE_METRIC=ksmtuned\n",
	  K618_NONE, 16 * GIB, 1 * GIB, 12 * GIB, 1 * GIB, 1 * GIB, 14 * GIB,
	  1, 100, 10, 70, 100,
	  0, TUNE_BOOST, 1250, "pages_to_scan=1250", "free 3G (MemFree+Buffers+Cached) < threshold", NULL },
	{ "MemAvailable is what counts by default", NULL,
	  K618_NONE, 16 * GIB, 1 * GIB, 12 * GIB, 1 * GIB, 1 * GIB, 14 * GIB,
	  1, 100, 10, 70, 100,
	  0, TUNE_DECAY, 64, "pages_to_scan=64", "free 12G (MemAvailable) >= threshold", NULL },
	{ "no MemAvailable (< 3.14): ksmtuned's sum", NULL, K61,
	  16 * GIB, 1 * GIB, NOAVAIL, 0, 0, 14 * GIB, 1, 100, 10, 0, 100,
	  0, TUNE_BOOST, 1250, "pages_to_scan=1250", "no MemAvailable before Linux 3.14", NULL },
	{ "6.1: no advisor, auto drives pages_to_scan", NULL, K61,
	  16 * GIB, 1 * GIB, 1 * GIB, 0, 0, 14 * GIB, 0, 100, 20, 0, 0,
	  0, TUNE_BOOST, 1250, "pages_to_scan=1250 sleep_millisecs=10 run=1", "boost", NULL },
	{ "advisor on, auto: advisor_max_cpu instead of pages_to_scan", NULL,
	  K618_SCAN, 16 * GIB, 8 * GIB, 8 * GIB, 0, 0, 14 * GIB, 0, 5000, 20, 70, 400,
	  0, TUNE_DECAY, 350, "advisor_max_cpu=20 sleep_millisecs=10 run=1",
	  "advisor_max_cpu 20% of 70%", NULL },
	{ "advisor at the maximum vigour reaches the ceiling", NULL,
	  K618_SCAN, 16 * GIB, 1 * GIB, 1 * GIB, 0, 0, 14 * GIB, 0, 5000, 10, 70, 1200,
	  0, TUNE_BOOST, 1250, "run=1", "advisor_max_cpu 70% of 70%", NULL },
	{ "KSM_USE_ADVISOR=yes switches it on", "KSM_USE_ADVISOR=yes\n",
	  K618_NONE, 16 * GIB, 8 * GIB, 8 * GIB, 0, 0, 14 * GIB, 0, 100, 20, 70, 0,
	  0, TUNE_DECAY, 64, "advisor_mode=scan-time advisor_max_cpu=4 sleep_millisecs=10 run=1",
	  "4% of 70%", NULL },
	{ "KSM_USE_ADVISOR=no switches it off to drive pages_to_scan",
	  "KSM_USE_ADVISOR=no\n", K618_SCAN, 16 * GIB, 8 * GIB, 8 * GIB, 0, 0,
	  14 * GIB, 1, 5000, 10, 70, 0,
	  0, TUNE_DECAY, 64, "advisor_mode=none pages_to_scan=64", "decay", NULL },
	{ "KSM_USE_ADVISOR=yes on 6.1: refused", "KSM_USE_ADVISOR=yes\n", K61,
	  16 * GIB, 8 * GIB, 8 * GIB, 0, 0, 14 * GIB, 0, 100, 20, 0, 0,
	  -ENOENT, TUNE_STOP, 0, "", "KSM_USE_ADVISOR=yes needs the scan-time advisor", NULL },
	{ "KSM_GOVERNOR=low caps the advisor at 20%", "KSM_GOVERNOR=low\n",
	  K618_NONE, 16 * GIB, 1 * GIB, 1 * GIB, 0, 0, 14 * GIB, 0, 100, 20, 70, 1200,
	  0, TUNE_BOOST, 1250, "advisor_mode=scan-time advisor_max_cpu=20",
	  "20% of 20% (KSM_GOVERNOR=low)", NULL },
	{ "KSM_GOVERNOR=low, boost from nothing: the whole budget", "KSM_GOVERNOR=low\n",
	  K618_NONE, 16 * GIB, 1 * GIB, 1 * GIB, 0, 0, 14 * GIB, 0, 100, 20, 70, 0,
	  0, TUNE_BOOST, 1250, "advisor_mode=scan-time advisor_max_cpu=20", "20% of 20%", NULL },
	{ "KSM_GOVERNOR=quiet: 1%", "KSM_GOVERNOR=quiet\n",
	  K618_SCAN, 16 * GIB, 8 * GIB, 8 * GIB, 0, 0, 14 * GIB, 0, 100, 20, 70, 0,
	  0, TUNE_DECAY, 64, "advisor_max_cpu=1", "1% of 1%", NULL },
	{ "KSM_GOVERNOR on 6.1: refused", "KSM_GOVERNOR=full\n", K61,
	  16 * GIB, 8 * GIB, 8 * GIB, 0, 0, 14 * GIB, 0, 100, 20, 0, 0,
	  -ENOENT, TUNE_STOP, 0, "", "KSM_GOVERNOR needs the scan-time advisor", NULL },
	{ "everything already as wanted: nothing to write", NULL, K618_NONE,
	  16 * GIB, 1 * GIB, 1 * GIB, 0, 0, 15 * GIB, 1, 1250, 10, 70, 1250,
	  0, TUNE_BOOST, 1250, "", "boost", NULL },
	{ "no MemTotal: cannot decide", NULL, K618_NONE,
	  0, 8 * GIB, 12 * GIB, 0, 0, 0, 1, 100, 20, 70, 0,
	  -ENODATA, TUNE_STOP, 0, "", "no MemTotal", NULL },
	{ "a negative boost is taken as given: no jump to the maximum",
	  "KSM_NPAGES_BOOST=-100\nKSM_NPAGES_DECAY=100\n", K618_NONE,
	  16 * GIB, 1 * GIB, 1 * GIB, 0, 0, 15 * GIB, 1, 500, 10, 70, 500,
	  0, TUNE_BOOST, 400, "pages_to_scan=400", "boost -100 -> 400", &merging },
	{ "KSM_NPAGES_BOOST=0 keeps the pace: no jump either",
	  "KSM_NPAGES_BOOST=0\n", K618_NONE,
	  16 * GIB, 1 * GIB, 1 * GIB, 0, 0, 15 * GIB, 1, 500, 10, 70, 500,
	  0, TUNE_BOOST, 500, "", "boost +0 -> 500", NULL },
};

static void make_sample(const struct decide_case *tc, struct ksm_sample *s)
{
	memset(s, 0, sizeof(*s));
	s->page_size = 4096;
	for (int id = 0; id < KSM_KNOB_COUNT; id++)
		s->v[id].err = -ENOENT;
	for (int id = 0; id <= KSM_STABLE_NODE_CHAINS_PRUNE_MILLISECS; id++)
		s->v[id].err = 0;
	s->v[KSM_MAX_KERNEL_PAGES].err = -ENOENT;
	s->v[KSM_RUN].u = tc->run;
	s->v[KSM_PAGES_TO_SCAN].u = tc->pages;
	s->v[KSM_SLEEP_MILLISECS].u = tc->sleep;
	s->v[KSM_MAX_PAGE_SHARING].u = 256;
	if (tc->kernel != K61) {
		for (int id = KSM_SMART_SCAN; id <= KSM_ADVISOR_TARGET_SCAN_TIME; id++)
			s->v[id].err = 0;
		s->v[KSM_ADVISOR_MODE].u = tc->kernel == K618_SCAN;
		s->v[KSM_ADVISOR_MAX_CPU].u = tc->max_cpu;
	}
	s->has_meminfo = true;
	s->mem.bytes[MEM_TOTAL] = tc->total * 1024;
	s->mem.present[MEM_TOTAL] = tc->total != 0;
	s->mem.bytes[MEM_FREE] = tc->free * 1024;
	s->mem.present[MEM_FREE] = true;
	if (tc->avail != NOAVAIL) {
		s->mem.bytes[MEM_AVAILABLE] = tc->avail * 1024;
		s->mem.present[MEM_AVAILABLE] = true;
	}
	s->mem.bytes[MEM_BUFFERS] = tc->buffers * 1024;
	s->mem.present[MEM_BUFFERS] = true;
	s->mem.bytes[MEM_CACHED] = tc->cached * 1024;
	s->mem.present[MEM_CACHED] = true;
}

static void format_writes(const struct ksm_tune_decision *d, char *buf,
			  size_t size)
{
	buf[0] = '\0';
	for (int i = 0; i < d->count; i++) {
		const struct ksm_knob *k = &ksm_knobs[d->writes[i].id];
		char v[64];

		ksm_knob_format(k, &d->writes[i].to, v, sizeof(v));
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s=%s",
			 i ? " " : "", k->name, v);
	}
}

static void test_decide_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(decide_cases); i++) {
		const struct decide_case *tc = &decide_cases[i];
		struct ksm_committed cm = { .bytes = tc->committed * 1024 };
		struct ksm_tune_config c;
		struct ksm_tune_error err;
		struct ksm_tune_state prev;
		struct ksm_tune_decision d;
		struct ksm_sample s;
		char writes[256];
		int rc;

		ksm_tune_config_defaults(&c);
		if (tc->conf && ksm_tune_config_parse(tc->conf, &c, &err))
			fail_msg("%s: config: %s", tc->name, err.msg);
		make_sample(tc, &s);
		ksm_tune_state_init(&prev, &s);
		prev.npages = tc->npages;
		rc = ksm_tune_decide(&c, &s, &cm, &prev, tc->work, &d);
		format_writes(&d, writes, sizeof(writes));
		if (rc != tc->rc || !strstr(d.reason, tc->reason))
			fail_msg("%s: rc %d (want %d), reason: %s (want ...%s...)",
				 tc->name, rc, tc->rc, d.reason, tc->reason);
		if (rc) {
			assert_int_equal(d.count, 0);
			continue;
		}
		if (d.action != tc->action || d.next.npages != tc->want_npages)
			fail_msg("%s: action %d npages %lld, want %d %lld", tc->name,
				 d.action, d.next.npages, tc->action,
				 tc->want_npages);
		if (tc->writes[0] ? !strstr(writes, tc->writes) : d.count != 0)
			fail_msg("%s: writes '%s', want '%s'", tc->name, writes,
				 tc->writes);
		/* never pages_to_scan while the advisor is (to be) on */
		for (int w = 0; w < d.count; w++)
			if (d.writes[w].id == KSM_PAGES_TO_SCAN)
				assert_int_equal(d.next.owned.desired[KSM_ADVISOR_MODE].u, 0);
		/* only real changes are writes */
		for (int w = 0; w < d.count; w++)
			assert_false(ksm_value_equal(&ksm_knobs[d.writes[w].id],
						     &d.writes[w].from,
						     &d.writes[w].to));
		assert_int_equal(d.next.cycles, prev.cycles + 1);
	}
}

/*
 * Memory rising, ksmd merging, then done, then merging again, memory
 * falling, the guests leaving and coming back: one run.
 */
static void test_decide_sequence(void **state)
{
	static const struct ksm_tune_work unknown = { .activity = TUNE_ACT_UNKNOWN };
	static const struct {
		unsigned long long avail, committed;
		const struct ksm_tune_work *work;
		long long npages;
		unsigned long long run, sleep;
		enum ksm_tune_action action;
	} steps[] = {
		/* no guests: stays off */
		{ 12 * GIB, 0, &unknown, 0, 0, 20, TUNE_STOP },
		/* guests start, free plenty: on, ksmtuned's decay to the min */
		{ 6 * GIB, 13 * GIB, &unknown, 64, 1, 10, TUNE_DECAY },
		/* pressure, nothing known yet: the full pace at once */
		{ 2 * GIB, 14 * GIB, &unknown, 1250, 1, 10, TUNE_BOOST },
		/* merging: stays there (ksmtuned would be at 364 by now) */
		{ 1 * GIB, 15 * GIB, &merging, 1250, 1, 10, TUNE_BOOST },
		/* nothing merged for 2 full scans: idle, however short free is */
		{ 1 * GIB, 15 * GIB, &idle_default, 64, 1, 64, TUNE_IDLE },
		{ 1 * GIB, 15 * GIB, &idle_cheap, 64, 1, 13, TUNE_IDLE },
		/* a merge again: the full pace again, ksmtuned's sleep */
		{ 1 * GIB, 15 * GIB, &merging, 1250, 1, 10, TUNE_BOOST },
		/* merged enough: decay */
		{ 4 * GIB, 14 * GIB, &merging, 1200, 1, 10, TUNE_DECAY },
		/* guests gone: off, npages kept */
		{ 12 * GIB, 1 * GIB, &merging, 1200, 0, 10, TUNE_STOP },
		/* back, short of memory: nothing known of the new work */
		{ 2 * GIB, 14 * GIB, &unknown, 1250, 1, 10, TUNE_BOOST },
	};
	struct decide_case tc = { .kernel = K618_NONE, .total = 16 * GIB,
				  .sleep = 20, .pages = 100 };
	struct ksm_tune_config c;
	struct ksm_tune_state st;
	struct ksm_sample s;

	(void)state;
	ksm_tune_config_defaults(&c);
	make_sample(&tc, &s);
	ksm_tune_state_init(&st, &s);
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		struct ksm_committed cm = { .bytes = steps[i].committed * 1024 };
		struct ksm_tune_decision d;

		tc.avail = steps[i].avail;
		make_sample(&tc, &s);
		assert_int_equal(ksm_tune_decide(&c, &s, &cm, &st, steps[i].work, &d), 0);
		/* apply the writes to the "kernel" */
		for (int w = 0; w < d.count; w++)
			switch (d.writes[w].id) {
			case KSM_RUN: tc.run = d.writes[w].to.u; break;
			case KSM_PAGES_TO_SCAN: tc.pages = d.writes[w].to.u; break;
			case KSM_SLEEP_MILLISECS: tc.sleep = d.writes[w].to.u; break;
			default: fail_msg("step %zu: unexpected write", i);
			}
		st = d.next;
		if (st.npages != steps[i].npages || tc.run != steps[i].run ||
		    tc.sleep != steps[i].sleep || d.action != steps[i].action)
			fail_msg("step %zu: npages %lld run %llu sleep %llu action %d, want %lld %llu %llu %d: %s",
				 i, st.npages, tc.run, tc.sleep, d.action,
				 steps[i].npages, steps[i].run, steps[i].sleep,
				 steps[i].action, d.reason);
		if (tc.run)
			assert_int_equal(tc.pages, st.npages);
	}
	assert_int_equal(st.cycles, ARRAY_SIZE(steps));
}

/* ---- what ksmd does: the readings between cycles ------------------------ */

/* A reading: t seconds, cpu ms, scanned pages, full scans, merged, cow. */
static struct ksm_pace_reading reading(double t, unsigned long long cpu_ms,
				       unsigned long long scanned,
				       unsigned long long scans,
				       unsigned long long merged,
				       unsigned long long cow, bool running)
{
	return (struct ksm_pace_reading){
		.seconds = t, .cpu_ns = cpu_ms * 1000000ULL,
		.has_pages_scanned = true, .pages_scanned = scanned,
		.full_scans = scans, .merged = merged, .cow = cow,
		.running = running,
	};
}

static void test_watch(void **state)
{
	const unsigned long long total = 16ULL << 30, guests = 12ULL << 30;
	struct ksm_tune_watch w;
	struct ksm_tune_work work;
	struct ksm_pace_reading r;

	(void)state;
	ksm_tune_watch_init(&w);
	/* the first cycle: nothing to compare with, the default cost */
	r = reading(0, 0, 0, 0, 0, 0, true);
	ksm_tune_watch_step(&w, &r, true, guests, total, &work);
	assert_int_equal(work.activity, TUNE_ACT_UNKNOWN);
	assert_false(work.cost_measured);
	assert_true(work.cost_ns == 5000);
	/* merged: working; 2000 ms over 1000000 pages is 2 us a page */
	r = reading(10, 2000, 1000000, 3, 50000, 0, true);
	ksm_tune_watch_step(&w, &r, true, guests, total, &work);
	assert_int_equal(work.activity, TUNE_ACT_WORKING);
	assert_true(work.cost_measured);
	assert_true(work.cost_ns == 2000);
	/* one full scan without a merge: still working */
	r = reading(20, 3000, 2000000, 4, 50000, 0, true);
	ksm_tune_watch_step(&w, &r, true, guests, total, &work);
	assert_int_equal(work.activity, TUNE_ACT_WORKING);
	assert_int_equal(work.quiet_scans, 1);
	assert_true(work.cost_ns == 1500);	/* (2000 + 1000) / 2 */
	/* a merge written to since (cow_ksm) is a merge too */
	r = reading(30, 3500, 2500000, 6, 50000, 10, true);
	ksm_tune_watch_step(&w, &r, true, guests, total, &work);
	assert_int_equal(work.activity, TUNE_ACT_WORKING);
	assert_int_equal(work.quiet_scans, 0);
	/* two full scans with nothing merged: idle */
	r = reading(40, 4000, 3500000, 8, 50000, 10, true);
	ksm_tune_watch_step(&w, &r, true, guests, total, &work);
	assert_int_equal(work.activity, TUNE_ACT_IDLE);
	assert_int_equal(work.quiet_scans, 2);
	/* the guests' PSS falls a little, then grows by less than 1/32 of
	 * MemTotal (512M here): still idle */
	r = reading(50, 4010, 3510000, 8, 50000, 10, true);
	ksm_tune_watch_step(&w, &r, true, guests - (100 << 20), total, &work);
	assert_int_equal(work.activity, TUNE_ACT_IDLE);
	r = reading(60, 4020, 3520000, 8, 50000, 10, true);
	ksm_tune_watch_step(&w, &r, true, guests + (400 << 20), total, &work);
	assert_int_equal(work.activity, TUNE_ACT_IDLE);
	assert_int_equal(work.woke_growth, 0);
	/* a new guest: 1 GiB more than the lowest seen while idle */
	r = reading(70, 4030, 3530000, 8, 50000, 10, true);
	ksm_tune_watch_step(&w, &r, true, guests + (924ULL << 20), total, &work);
	assert_int_equal(work.activity, TUNE_ACT_WORKING);
	assert_int_equal(work.woke_growth, 1ULL << 30);
	/* it merges nothing for two full scans: idle again */
	r = reading(80, 4500, 4000000, 9, 50000, 10, true);
	ksm_tune_watch_step(&w, &r, true, guests + (924ULL << 20), total, &work);
	assert_int_equal(work.activity, TUNE_ACT_WORKING);
	r = reading(90, 5000, 4500000, 10, 50000, 10, true);
	ksm_tune_watch_step(&w, &r, true, guests + (924ULL << 20), total, &work);
	assert_int_equal(work.activity, TUNE_ACT_IDLE);
	/* the first merge ends it */
	r = reading(100, 5100, 4600000, 10, 50001, 10, true);
	ksm_tune_watch_step(&w, &r, true, guests + (924ULL << 20), total, &work);
	assert_int_equal(work.activity, TUNE_ACT_WORKING);
	/* ksmd stopped: nothing known any more, a restart starts over */
	r = reading(110, 5100, 4600000, 10, 50001, 10, false);
	ksm_tune_watch_step(&w, &r, true, guests, total, &work);
	assert_int_equal(work.activity, TUNE_ACT_UNKNOWN);
	r = reading(120, 5200, 4700000, 10, 50001, 10, true);
	ksm_tune_watch_step(&w, &r, true, guests, total, &work);
	assert_int_equal(work.activity, TUNE_ACT_UNKNOWN);
	/* the tracker's first step counts as a merge: still unknown */
	r = reading(130, 5300, 4800000, 13, 50001, 10, true);
	ksm_tune_watch_step(&w, &r, true, guests, total, &work);
	assert_int_equal(work.activity, TUNE_ACT_UNKNOWN);
	r = reading(140, 5400, 4900000, 15, 50001, 10, true);
	ksm_tune_watch_step(&w, &r, true, guests, total, &work);
	assert_int_equal(work.activity, TUNE_ACT_IDLE);
}

/* No ksmd to read (a fixture), or too little work: the cost stays. */
static void test_watch_cost_unknown(void **state)
{
	struct ksm_tune_watch w;
	struct ksm_tune_work work;
	struct ksm_pace_reading r;

	(void)state;
	ksm_tune_watch_init(&w);
	r = reading(0, 0, 0, 0, 0, 0, true);
	ksm_tune_watch_step(&w, &r, false, 0, 0, &work);
	r = reading(10, 0, 1000000, 1, 10, 0, true);
	ksm_tune_watch_step(&w, &r, false, 0, 0, &work);
	assert_int_equal(work.activity, TUNE_ACT_WORKING);
	assert_false(work.cost_measured);
	assert_true(work.cost_ns == 5000);
	/* ksmd found now, but the reading before had no CPU time */
	r = reading(20, 900, 2000000, 2, 10, 0, true);
	ksm_tune_watch_step(&w, &r, true, 0, 0, &work);
	assert_false(work.cost_measured);
	/* 50 pages say nothing; nor does 0.5 ms of CPU */
	r = reading(30, 1000, 2000050, 2, 10, 0, true);
	ksm_tune_watch_step(&w, &r, true, 0, 0, &work);
	assert_false(work.cost_measured);
	r = reading(40, 1000, 2100050, 2, 10, 0, true);
	ksm_tune_watch_step(&w, &r, true, 0, 0, &work);
	assert_false(work.cost_measured);
	/* no pages_scanned (before 6.6): the default stays */
	r = reading(50, 2000, 0, 3, 10, 0, true);
	r.has_pages_scanned = false;
	ksm_tune_watch_step(&w, &r, true, 0, 0, &work);
	assert_false(work.cost_measured);
	assert_true(work.cost_ns == 5000);
}

static void test_idle_sleep(void **state)
{
	(void)state;
	/* 64 pages at 5 us: 320 us of scanning is 0.5 % of 64 ms */
	assert_int_equal(ksm_tune_idle_sleep(64, 5000, 10), 64);
	assert_int_equal(ksm_tune_idle_sleep(64, 0, 10), 64);	/* default */
	assert_int_equal(ksm_tune_idle_sleep(64, 1000, 10), 13);
	assert_int_equal(ksm_tune_idle_sleep(64, 100, 10), 10);	/* ksmtuned's */
	assert_int_equal(ksm_tune_idle_sleep(64, 100000, 10), 1000);
	/* a floor above a second (SLEEP_MSEC on a small host) wins */
	assert_int_equal(ksm_tune_idle_sleep(64, 100000, 1500), 1500);
}

/* A process vanishing mid-scan: counted as such, the rest still decides. */
static void test_decide_vanished(void **state)
{
	struct decide_case tc = { .kernel = K618_NONE, .total = 16 * GIB,
				  .avail = 8 * GIB, .run = 0, .pages = 100,
				  .sleep = 20 };
	struct ksm_committed cm = { .bytes = 14 * GIB * 1024, .procs = 2,
				    .by_name = 2, .vanished = 1, .denied = 1 };
	struct ksm_tune_config c;
	struct ksm_tune_state st;
	struct ksm_tune_decision d;
	struct ksm_sample s;

	(void)state;
	ksm_tune_config_defaults(&c);
	make_sample(&tc, &s);
	ksm_tune_state_init(&st, &s);
	assert_int_equal(ksm_tune_decide(&c, &s, &cm, &st, NULL, &d), 0);
	assert_int_equal(d.action, TUNE_DECAY);
	assert_non_null(strstr(d.reason, "2 processes counted, 1 exited while read, 1 not readable"));
}


/*
 * A knob the tuner writes or decides from that could not be read: no
 * decision, and the reason names it and what it held (it was read as 0:
 * run garbled read as "stopped", and the tuner started ksmd).
 */
static void test_decide_unreadable_knob(void **state)
{
	static const enum ksm_knob_id ids[] = {
		KSM_RUN, KSM_PAGES_TO_SCAN, KSM_SLEEP_MILLISECS,
		KSM_ADVISOR_MODE, KSM_ADVISOR_MAX_CPU,
	};
	static const int errs[] = { -EBADMSG, -EACCES, -EIO, -EISDIR, -EBADFD };
	struct decide_case tc = { .kernel = K618_NONE, .total = 16 * GIB,
				  .avail = 1 * GIB, .free = 1 * GIB, .run = 0,
				  .pages = 100, .sleep = 20, .max_cpu = 70 };
	struct ksm_committed cm = { .bytes = 14 * GIB * 1024, .procs = 1 };
	struct ksm_tune_config c;
	struct ksm_tune_state st;
	struct ksm_tune_decision d;
	struct ksm_sample s;

	(void)state;
	ksm_tune_config_defaults(&c);
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		for (size_t e = 0; e < ARRAY_SIZE(errs); e++) {
			make_sample(&tc, &s);
			ksm_tune_state_init(&st, &s);
			memset(&s.v[ids[i]], 0, sizeof(s.v[ids[i]]));
			s.v[ids[i]].err = errs[e];
			snprintf(s.held[ids[i]], sizeof(s.held[ids[i]]), "junk\n");
			assert_int_equal(ksm_tune_decide(&c, &s, &cm, &st, NULL, &d),
					 -ENODATA);
			assert_int_equal(d.count, 0);
			if (strncmp(d.reason, ksm_knobs[ids[i]].name,
				    strlen(ksm_knobs[ids[i]].name)) ||
			    !strstr(d.reason, "cannot decide") ||
			    (errs[e] == -EBADMSG && !strstr(d.reason, "it holds 'junk'")))
				fail_msg("%s (%d): %s", ksm_knobs[ids[i]].name,
					 errs[e], d.reason);
		}
	}
	/* a file the kernel lacks is no obstacle */
	make_sample(&tc, &s);
	s.v[KSM_ADVISOR_MODE].err = -ENOENT;
	s.v[KSM_ADVISOR_MAX_CPU].err = -ENOENT;
	ksm_tune_state_init(&st, &s);
	assert_int_equal(ksm_tune_decide(&c, &s, &cm, &st, NULL, &d), 0);
}

/* A knob changed behind the tuner's back is named before it is set. */
static void test_decide_outside_change(void **state)
{
	struct decide_case tc = { .kernel = K618_NONE, .total = 16 * GIB,
				  .avail = 1 * GIB, .run = 1, .pages = 100,
				  .sleep = 10 };
	struct ksm_committed cm = { .bytes = 15 * GIB * 1024 };
	struct ksm_tune_config c;
	struct ksm_tune_state st;
	struct ksm_tune_decision d;
	struct ksm_sample s;

	(void)state;
	ksm_tune_config_defaults(&c);
	make_sample(&tc, &s);
	ksm_tune_state_init(&st, &s);
	assert_int_equal(ksm_tune_decide(&c, &s, &cm, &st, NULL, &d), 0);
	assert_int_equal(d.count, 1);
	assert_null(strstr(d.reason, "outside the tuner"));
	st = d.next;			/* pages_to_scan 1250, applied */
	tc.pages = 777;			/* ksmctl set pages_to_scan 777 */
	make_sample(&tc, &s);
	assert_int_equal(ksm_tune_decide(&c, &s, &cm, &st, &merging, &d), 0);
	assert_non_null(strstr(d.reason, "pages_to_scan was set to 777 outside the tuner"));
	assert_int_equal(d.writes[0].to.u, 1250);
}

/* ---- the restore plan ------------------------------------------------- */

static void apply(struct decide_case *tc, const struct ksm_tune_write *w, int n)
{
	for (int i = 0; i < n; i++)
		switch (w[i].id) {
		case KSM_RUN: tc->run = w[i].to.u; break;
		case KSM_PAGES_TO_SCAN: tc->pages = w[i].to.u; break;
		case KSM_SLEEP_MILLISECS: tc->sleep = w[i].to.u; break;
		case KSM_ADVISOR_MAX_CPU: tc->max_cpu = w[i].to.u; break;
		case KSM_ADVISOR_MODE:
			tc->kernel = w[i].to.u ? K618_SCAN : K618_NONE;
			/* the kernel resets pages_to_scan on a switch */
			tc->pages = 100;
			break;
		default: fail_msg("unexpected write");
		}
}

/* The tuner's restore (lib/owned.c) as the writes it makes, in order. */
static int restore_plan(const struct ksm_tune_state *st, const struct ksm_sample *s,
			struct ksm_tune_write *w, char *note, size_t size)
{
	struct ksm_txn t;
	int n = ksm_owned_restore(&st->owned, s, "tuner", &t, note, size);

	for (int i = 0; i < n; i++) {
		w[i].id = ksm_knob_id(t.steps[i].knob);
		w[i].to = t.steps[i].to;
	}
	return n;
}

static void test_restore(void **state)
{
	/* free plenty: ksmtuned's decay, below the ceiling */
	struct decide_case tc = { .kernel = K618_NONE, .total = 16 * GIB,
				  .avail = 8 * GIB, .run = 0, .pages = 500,
				  .sleep = 20, .max_cpu = 40 };
	struct ksm_committed cm = { .bytes = 15 * GIB * 1024 };
	struct ksm_tune_write w[8];
	struct ksm_tune_config c;
	struct ksm_tune_error err;
	struct ksm_tune_state st;
	struct ksm_tune_decision d;
	struct ksm_sample s;
	char note[256];
	int n;

	(void)state;
	ksm_tune_config_defaults(&c);
	assert_int_equal(ksm_tune_config_parse("KSM_USE_ADVISOR=yes\n", &c, &err), 0);
	make_sample(&tc, &s);
	ksm_tune_state_init(&st, &s);
	/* nothing changed yet: nothing to restore */
	assert_int_equal(restore_plan(&st, &s, w, note, sizeof(note)), 0);
	assert_int_equal(ksm_tune_decide(&c, &s, &cm, &st, NULL, &d), 0);
	apply(&tc, d.writes, d.count);
	st = d.next;
	assert_int_equal(tc.kernel, K618_SCAN);
	assert_int_equal(tc.max_cpu, 3);	/* 64 of 1250 of 40%, up */
	/* the advisor happens to run at the start value of pages_to_scan */
	tc.pages = 500;
	make_sample(&tc, &s);
	n = restore_plan(&st, &s, w, note, sizeof(note));
	assert_int_equal(n, 4);
	assert_int_equal(w[0].id, KSM_RUN);
	assert_int_equal(w[0].to.u, 0);
	assert_int_equal(w[1].id, KSM_ADVISOR_MODE);
	assert_int_equal(w[1].to.u, 0);
	assert_int_equal(w[2].id, KSM_ADVISOR_MAX_CPU);
	assert_int_equal(w[2].to.u, 40);
	assert_int_equal(w[3].id, KSM_SLEEP_MILLISECS);
	assert_int_equal(w[3].to.u, 20);
	assert_string_equal(note, "");
	apply(&tc, w, n);			/* resets pages_to_scan to 100 */
	make_sample(&tc, &s);
	/* the second pass puts pages_to_scan back */
	n = restore_plan(&st, &s, w, note, sizeof(note));
	assert_int_equal(n, 1);
	assert_int_equal(w[0].id, KSM_PAGES_TO_SCAN);
	assert_int_equal(w[0].to.u, 500);
	apply(&tc, w, n);
	make_sample(&tc, &s);
	assert_int_equal(restore_plan(&st, &s, w, note, sizeof(note)), 0);

	/* the usual case: one pass, pages_to_scan after the mode */
	tc = (struct decide_case){ .kernel = K618_SCAN, .total = 16 * GIB,
				   .avail = 1 * GIB, .run = 1, .pages = 4321,
				   .sleep = 10, .max_cpu = 3 };
	make_sample(&tc, &s);
	n = restore_plan(&st, &s, w, note, sizeof(note));
	assert_int_equal(n, 5);
	assert_int_equal(w[1].id, KSM_ADVISOR_MODE);
	assert_int_equal(w[4].id, KSM_PAGES_TO_SCAN);
	assert_int_equal(w[4].to.u, 500);
	apply(&tc, w, n);
	assert_int_equal(tc.pages, 500);
	make_sample(&tc, &s);
	assert_int_equal(restore_plan(&st, &s, w, note, sizeof(note)), 0);
}

static void test_restore_leaves_others_changes(void **state)
{
	struct decide_case tc = { .kernel = K61, .total = 16 * GIB,
				  .avail = 1 * GIB, .run = 2, .pages = 100,
				  .sleep = 20 };
	struct ksm_committed cm = { .bytes = 15 * GIB * 1024 };
	struct ksm_tune_write w[8];
	struct ksm_tune_config c;
	struct ksm_tune_state st;
	struct ksm_tune_decision d;
	struct ksm_sample s;
	char note[256];
	int n;

	(void)state;
	ksm_tune_config_defaults(&c);
	make_sample(&tc, &s);
	ksm_tune_state_init(&st, &s);
	assert_int_equal(ksm_tune_decide(&c, &s, &cm, &st, NULL, &d), 0);
	apply(&tc, d.writes, d.count);
	st = d.next;
	tc.sleep = 200;			/* ksmctl set sleep_millisecs 200 */
	make_sample(&tc, &s);
	n = restore_plan(&st, &s, w, note, sizeof(note));
	/* run 2 comes back as 0; sleep_millisecs stays the user's */
	assert_int_equal(n, 2);
	assert_int_equal(w[0].id, KSM_RUN);
	assert_int_equal(w[0].to.u, 0);
	assert_int_equal(w[1].id, KSM_PAGES_TO_SCAN);
	assert_int_equal(w[1].to.u, 100);
	assert_string_equal(note, "sleep_millisecs left at 200: changed outside the tuner");
}

/* A start state with the advisor on: pages_to_scan is never restored. */
static void test_restore_advisor_kept(void **state)
{
	struct decide_case tc = { .kernel = K618_SCAN, .total = 16 * GIB,
				  .avail = 8 * GIB, .run = 1, .pages = 3000,
				  .sleep = 20, .max_cpu = 70 };
	struct ksm_committed cm = { .bytes = 15 * GIB * 1024 };
	struct ksm_tune_write w[8];
	struct ksm_tune_config c;
	struct ksm_tune_state st;
	struct ksm_tune_decision d;
	struct ksm_sample s;
	char note[256];
	int n;

	(void)state;
	ksm_tune_config_defaults(&c);
	make_sample(&tc, &s);
	ksm_tune_state_init(&st, &s);
	assert_int_equal(ksm_tune_decide(&c, &s, &cm, &st, NULL, &d), 0);
	for (int i = 0; i < d.count; i++)
		assert_int_not_equal(d.writes[i].id, KSM_PAGES_TO_SCAN);
	apply(&tc, d.writes, d.count);
	st = d.next;
	tc.pages = 999;
	make_sample(&tc, &s);
	n = restore_plan(&st, &s, w, note, sizeof(note));
	assert_int_equal(n, 2);
	assert_int_equal(w[0].id, KSM_ADVISOR_MAX_CPU);
	assert_int_equal(w[0].to.u, 70);
	assert_int_equal(w[1].id, KSM_SLEEP_MILLISECS);
}

/* ---- committed memory ------------------------------------------------- */

static void test_parse_sizes(void **state)
{
	unsigned long long b = 0;

	(void)state;
	assert_int_equal(ksm_smaps_rollup_pss(
		"55d0c000-7ffd1000 ---p 00000000 00:00 0  [rollup]\n"
		"Rss:             2048 kB\nPss:              1000 kB\n"
		"Pss_Anon:          10 kB\n", &b), 0);
	assert_int_equal(b, 1000 * 1024);
	assert_int_equal(ksm_smaps_rollup_pss("Pss_Anon: 10 kB\n", &b), -ENODATA);
	assert_int_equal(ksm_smaps_rollup_pss("", &b), -ENODATA);
	assert_int_equal(ksm_smaps_rollup_pss("Pss: x kB\n", &b), -EINVAL);
	assert_int_equal(ksm_smaps_rollup_pss("Pss: 12\n", &b), -EINVAL);
	assert_int_equal(ksm_smaps_rollup_pss("Pss: 99999999999999999999 kB\n", &b),
			 -ERANGE);
	assert_int_equal(ksm_status_rss("Name:\tqemu\nVmRSS:\t  123 kB\n", &b), 0);
	assert_int_equal(b, 123 * 1024);
	assert_int_equal(ksm_status_rss("Name:\tkthreadd\n", &b), -ENODATA);
}

static void add_proc(const char *root, const char *pid, const char *comm,
		     const char *pss_kb, const char *rss_kb, const char *ksm_stat)
{
	char rel[64], text[128];

	snprintf(rel, sizeof(rel), "proc/%s/comm", pid);
	snprintf(text, sizeof(text), "%s\n", comm);
	tu_write(root, rel, text);
	if (pss_kb) {
		snprintf(rel, sizeof(rel), "proc/%s/smaps_rollup", pid);
		snprintf(text, sizeof(text),
			 "00400000-7fff0000 ---p 00000000 00:00 0 [rollup]\nRss: 1 kB\nPss: %s kB\n",
			 pss_kb);
		tu_write(root, rel, pss_kb[0] ? text : "");
	}
	snprintf(rel, sizeof(rel), "proc/%s/status", pid);
	snprintf(text, sizeof(text), "Name:\t%s\nVmRSS:\t%s kB\n", comm,
		 rss_kb ? rss_kb : "0");
	tu_write(root, rel, rss_kb ? text : "Name:\tkthread\n");
	if (ksm_stat) {
		snprintf(rel, sizeof(rel), "proc/%s/ksm_stat", pid);
		tu_write(root, rel, ksm_stat);
	}
}

static char *committed_root(void)
{
	char *root = tu_mkroot();

	tu_write(root, "proc/meminfo", "MemTotal: 1000 kB\n");
	add_proc(root, "100", "qemu-system-x86", "1000", "3000",
		 "ksm_rmap_items 10\n");
	add_proc(root, "101", "qemu-kvm", "2000", "5000", NULL);
	add_proc(root, "102", "qemu:guest1", "4000", "9000", NULL);
	/* 4.13: no smaps_rollup, RSS instead */
	add_proc(root, "103", "qemu-system-aar", NULL, "700", NULL);
	/* not qemu by name; one a KSM user */
	add_proc(root, "200", "bash", "50", "80", "ksm_rmap_items 0\n");
	add_proc(root, "201", "java", "8000", "16000",
		 "ksm_rmap_items 42\nksm_zero_pages 0\nksm_merging_pages 7\n");
	add_proc(root, "202", "qemu-system", "1", "1", NULL);	/* no match */
	add_proc(root, "203", "myqemu-kvm", "1", "1", NULL);	/* anchored */
	/* a kernel thread: empty smaps_rollup, no VmRSS */
	add_proc(root, "2", "qemu-kvm", "", NULL, NULL);
	/* listed, then gone before we could read it */
	tu_symlink(root, "proc/300", "/nonexistent/ksmctl-test/300");
	tu_mkdirs(root, "proc/self");
	tu_mkdirs(root, "proc/sys");
	return root;
}

struct scan_case {
	const char *regex;
	bool rss, ksm_users;
	unsigned long long kib;
	size_t procs, by_name, ksm, fallback;
};

static const struct scan_case scan_cases[] = {
	{ KSM_TUNE_DEFAULT_REGEX, false, false, 1000 + 2000 + 4000 + 700, 4, 4, 0, 1 },
	{ KSM_TUNE_DEFAULT_REGEX, true, false, 3000 + 5000 + 9000 + 700, 4, 4, 0, 0 },
	{ KSM_TUNE_DEFAULT_REGEX, false, true, 7700 + 8000, 5, 4, 1, 1 },
	{ "^java$", false, false, 8000, 1, 1, 0, 0 },
	{ "^nothing-like-this$", false, false, 0, 0, 0, 0, 0 },
	{ "^nothing-like-this$", false, true, 8000 + 1000, 2, 0, 2, 0 },
};

static void test_committed_scan(void **state)
{
	char *root = committed_root();
	struct ksm_root *r;

	(void)state;
	assert_int_equal(ksm_root_open(&r, root), 0);
	for (size_t i = 0; i < ARRAY_SIZE(scan_cases); i++) {
		const struct scan_case *tc = &scan_cases[i];
		struct ksm_committed_opts o = { .rss = tc->rss,
						.include_ksm_users = tc->ksm_users };
		struct ksm_committed cm;
		regex_t re;

		assert_int_equal(regcomp(&re, tc->regex, REG_EXTENDED | REG_NOSUB), 0);
		o.re = &re;
		assert_int_equal(ksm_committed_scan(r, &o, NULL, &cm), 0);
		regfree(&re);
		if (cm.bytes != tc->kib * 1024 || cm.procs != tc->procs ||
		    cm.by_name != tc->by_name || cm.ksm_users != tc->ksm ||
		    cm.rss_fallback != tc->fallback)
			fail_msg("case %zu: %llu KiB, %zu procs (%zu by name, %zu KSM), %zu fallback",
				 i, cm.bytes / 1024, cm.procs, cm.by_name,
				 cm.ksm_users, cm.rss_fallback);
		assert_int_equal(cm.seen, 10);
		assert_int_equal(cm.vanished, 1);
		assert_int_equal(cm.denied, 0);
	}
	ksm_root_close(r);
	tu_rmtree(root);
	free(root);
}

static const char *denied_root;

static int scan_as_nobody(void *data)
{
	struct ksm_committed_opts o = { 0 };
	struct ksm_committed cm;
	struct ksm_root *r;
	regex_t re;

	(void)data;
	if (ksm_root_open(&r, denied_root))
		return 200;
	regcomp(&re, KSM_TUNE_DEFAULT_REGEX, REG_EXTENDED | REG_NOSUB);
	o.re = &re;
	if (ksm_committed_scan(r, &o, NULL, &cm))
		return 201;
	regfree(&re);
	ksm_root_close(r);
	return (int)(cm.denied * 10 + cm.procs);
}

static void test_committed_denied(void **state)
{
	char *root = tu_mkroot(), path[PATH_MAX];

	(void)state;
	add_proc(root, "100", "qemu-kvm", "1000", "3000", NULL);
	add_proc(root, "101", "qemu-kvm", "1000", "3000", NULL);
	tu_path(path, sizeof(path), root, "proc/101/smaps_rollup");
	chmod(path, 0);
	denied_root = root;
	/* one counted, one denied (another user's qemu without privileges) */
	assert_int_equal(tu_as_nobody(scan_as_nobody, NULL), 11);
	tu_rmtree(root);
	free(root);
}

/* stat as the kernel writes it, with PF_KTHREAD or not */
static void set_stat(const char *root, const char *pid, const char *comm,
		     bool kthread)
{
	char rel[64], text[160];

	snprintf(rel, sizeof(rel), "proc/%s/stat", pid);
	snprintf(text, sizeof(text), "%s (%s) S 1 1 1 0 -1 %lu 0 0 0 0\n", pid,
		 comm, kthread ? 0x208040UL : 0x400100UL);
	tu_write(root, rel, text);
}

static void scan(struct ksm_root *r, struct ksm_committed_cache *cache,
		 struct ksm_committed *cm)
{
	struct ksm_committed_opts o = { 0 };
	regex_t re;

	assert_int_equal(regcomp(&re, KSM_TUNE_DEFAULT_REGEX,
				 REG_EXTENDED | REG_NOSUB), 0);
	o.re = &re;
	assert_int_equal(ksm_committed_scan(r, &o, cache, cm), 0);
	regfree(&re);
}

static void test_committed_cache(void **state)
{
	struct ksm_committed_cache cache = { NULL, 0 };
	char *root = tu_mkroot(), from[PATH_MAX], to[PATH_MAX];
	struct ksm_committed cm;
	struct ksm_root *r;

	(void)state;
	add_proc(root, "100", "qemu-kvm", "1000", "1000", NULL);
	set_stat(root, "100", "qemu-kvm", false);
	add_proc(root, "2", "kthreadd", "", NULL, NULL);
	set_stat(root, "2", "kthreadd", true);
	add_proc(root, "50", "libvirtd", "300", "300", NULL);
	set_stat(root, "50", "libvirtd", false);
	assert_int_equal(ksm_root_open(&r, root), 0);

	scan(r, &cache, &cm);
	assert_int_equal(cm.procs, 1);
	assert_int_equal(cm.kthreads, 1);
	assert_int_equal(cache.n, 3);
	assert_int_equal(cache.v[0].pid, 2);	/* sorted */
	assert_true(cache.v[0].kthread);

	/* A known kernel thread is not read again... */
	add_proc(root, "2", "qemu-kvm", "5000", "5000", NULL);
	set_stat(root, "2", "qemu-kvm", false);
	/* ...a known process is (it may exec qemu), by its comm. */
	add_proc(root, "50", "qemu-system-x86", "300", "300", NULL);
	set_stat(root, "50", "libvirtd", true);	/* would say kthread */
	scan(r, &cache, &cm);
	assert_int_equal(cm.kthreads, 1);
	assert_int_equal(cm.procs, 2);
	assert_int_equal(cm.bytes, (1000 + 300) * 1024);
	/* without a cache (--once): comm everywhere, one read each */
	scan(r, NULL, &cm);
	assert_int_equal(cm.procs, 3);
	assert_int_equal(cm.kthreads, 0);

	/* A new process with the kernel thread's pid has a new inode. */
	add_proc(root, "200", "qemu-kvm", "7000", "7000", NULL);
	set_stat(root, "200", "qemu-kvm", false);
	tu_path(from, sizeof(from), root, "proc/200");
	tu_path(to, sizeof(to), root, "proc/2");
	tu_rmtree(to);
	assert_int_equal(rename(from, to), 0);
	scan(r, &cache, &cm);
	assert_int_equal(cm.kthreads, 0);
	assert_int_equal(cm.procs, 3);
	assert_int_equal(cm.bytes, (1000 + 300 + 7000) * 1024);
	/* gone processes leave the cache */
	tu_rmtree(to);
	scan(r, &cache, &cm);
	assert_int_equal(cache.n, 2);
	ksm_committed_cache_free(&cache);
	assert_null(cache.v);
	ksm_root_close(r);
	tu_rmtree(root);
	free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_governor_budgets),
		cmocka_unit_test(test_decide_table),
		cmocka_unit_test(test_decide_sequence),
		cmocka_unit_test(test_watch),
		cmocka_unit_test(test_watch_cost_unknown),
		cmocka_unit_test(test_idle_sleep),
		cmocka_unit_test(test_decide_vanished),
		cmocka_unit_test(test_decide_unreadable_knob),
		cmocka_unit_test(test_decide_outside_change),
		cmocka_unit_test(test_restore),
		cmocka_unit_test(test_restore_leaves_others_changes),
		cmocka_unit_test(test_restore_advisor_kept),
		cmocka_unit_test(test_parse_sizes),
		cmocka_unit_test(test_committed_scan),
		cmocka_unit_test(test_committed_denied),
		cmocka_unit_test(test_committed_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
