// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The governor's pure parts: which method each kind of kernel gets, the
 * knob values a budget maps to on each, recognising a preset from the
 * knobs it wrote (and "custom" otherwise), the manual method's
 * arithmetic, the cost per page from two readings, and the calibration
 * file.  Samples are built by hand: each test states its kernel.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/governor.h"
#include "testutil.h"

/* ---- kernels ----------------------------------------------------------- */

static void put(struct ksm_sample *s, const char *name, const char *shown)
{
	const struct ksm_knob *k = ksm_knob_find(name);

	if (!k)
		fail_msg("no knob %s", name);
	if (ksm_knob_parse_shown(k, shown, &s->v[ksm_knob_id(k)]))
		fail_msg("%s: cannot parse '%s'", name, shown);
}

static void empty(struct ksm_sample *s, unsigned int dirs)
{
	memset(s, 0, sizeof(*s));
	s->dirs = dirs;
	s->page_size = 4096;
	for (int i = 0; i < KSM_KNOB_COUNT; i++)
		s->v[i].err = -ENOENT;
}

/* Linux 6.1: no advisor. */
static void kernel_61(struct ksm_sample *s)
{
	empty(s, KNOB_IN_KSM);
	put(s, "run", "1\n");
	put(s, "pages_to_scan", "100\n");
	put(s, "sleep_millisecs", "20\n");
	put(s, "full_scans", "3\n");
}

/* Linux 6.12, advisor off (the kernel's defaults). */
static void kernel_612(struct ksm_sample *s)
{
	kernel_61(s);
	put(s, "advisor_mode", "[none] scan-time\n");
	put(s, "advisor_max_cpu", "70\n");
	put(s, "advisor_min_pages_to_scan", "500\n");
	put(s, "advisor_max_pages_to_scan", "30000\n");
	put(s, "advisor_target_scan_time", "200\n");
	put(s, "pages_scanned", "123456\n");
}

static void kernel_uksm(struct ksm_sample *s)
{
	empty(s, KNOB_IN_UKSM);
	put(s, "run", "1\n");
	put(s, "sleep_millisecs", "100\n");
	put(s, "cpu_governor", "[full] medium low quiet \n");
	put(s, "max_cpu_percentage", "95\n");
	put(s, "cpu_ratios", "20 40 MAX/4 MAX/1 \n");
	put(s, "eval_intervals", "1000 500 200 50 \n");
}

static const struct ksm_gov_caps caps_uksm = { .uksm = true };
static const struct ksm_gov_caps caps_612 = { .advisor = true };
static const struct ksm_gov_caps caps_61 = { 0 };
static const struct ksm_gov_caps caps_cpu = {
	.advisor = true, .cpu_advisor = true, .table_has_cpu_advisor = true,
	.target_cpu = 70,
};

/* The setting of knob in plan, or NULL. */
static const char *plan_value(const struct ksm_gov_plan *plan,
			      const char *knob)
{
	for (int i = 0; i < plan->count; i++)
		if (!strcmp(plan->set[i].knob, knob))
			return plan->set[i].value;
	return NULL;
}

/* Write a plan into a sample, as the kernel would then read. */
static void apply(struct ksm_sample *s, struct ksm_gov_caps *caps,
		  const struct ksm_gov_plan *plan)
{
	for (int i = 0; i < plan->count; i++) {
		const char *knob = plan->set[i].knob, *value = plan->set[i].value;

		if (!strcmp(knob, "advisor_target_cpu")) {
			caps->target_cpu = strtoull(value, NULL, 10);
			continue;
		}
		if (!strcmp(knob, "advisor_mode") && !strcmp(value, "cpu")) {
			caps->cpu_mode_active = true;
			continue;
		}
		if (!strcmp(knob, "advisor_mode"))
			caps->cpu_mode_active = false;
		put(s, knob, value);
	}
	/* UKSM's cpu_governor loads the preset's budget */
	if (plan_value(plan, "cpu_governor")) {
		const struct ksm_gov_preset *p =
			ksm_gov_preset_find(plan_value(plan, "cpu_governor"));
		char text[16];

		snprintf(text, sizeof(text), "%u\n", p->budget);
		put(s, "max_cpu_percentage", text);
	}
}

/* ---- detection --------------------------------------------------------- */

static void test_detect(void **state)
{
	struct ksm_gov_caps c = { 0 };

	(void)state;
	assert_int_equal(ksm_gov_detect(&caps_61), KSM_GOV_MANUAL);
	assert_int_equal(ksm_gov_detect(&caps_612), KSM_GOV_SCAN_TIME);
	assert_int_equal(ksm_gov_detect(&caps_uksm), KSM_GOV_UKSM);
	assert_int_equal(ksm_gov_detect(&caps_cpu), KSM_GOV_CPU_ADVISOR);
	/* the patch on the kernel, but a table that cannot write it */
	c = caps_cpu;
	c.table_has_cpu_advisor = false;
	assert_int_equal(ksm_gov_detect(&c), KSM_GOV_SCAN_TIME);
	/* UKSM wins over anything else it might show */
	c = caps_cpu;
	c.uksm = true;
	assert_int_equal(ksm_gov_detect(&c), KSM_GOV_UKSM);
	assert_string_equal(ksm_gov_kind_name(KSM_GOV_CPU_ADVISOR), "cpu-advisor");
	assert_non_null(strstr(ksm_gov_kind_text(KSM_GOV_SCAN_TIME), "6.8"));
}

static void test_presets(void **state)
{
	(void)state;
	assert_int_equal(ksm_gov_preset_find("full")->budget, 95);
	assert_int_equal(ksm_gov_preset_find("medium")->budget, 50);
	assert_int_equal(ksm_gov_preset_find("low")->budget, 20);
	assert_int_equal(ksm_gov_preset_find("quiet")->budget, 1);
	assert_null(ksm_gov_preset_find("Full"));
	assert_null(ksm_gov_preset_find("custom"));
	assert_string_equal(ksm_gov_preset_by_budget(50)->name, "medium");
	assert_null(ksm_gov_preset_by_budget(51));
	/* the order of UKSM's cpu_governor file: index = preset */
	for (int i = 0; i < KSM_GOV_PRESETS; i++)
		assert_string_equal(ksm_knobs[KSM_UKSM_CPU_GOVERNOR].modes[i],
				    ksm_gov_presets[i].name);
}

/* ---- the manual method ----------------------------------------------- */

static void test_manual_figures(void **state)
{
	static const struct {
		unsigned int budget;
		unsigned long long pages, sleep;
	} want[] = {
		/* at 2 us per page */
		{ 95, 95000, 10 }, { 50, 10000, 20 }, { 20, 10000, 80 },
		{ 1, 5051, 1000 },
	};
	unsigned long long pages, sleep;

	(void)state;
	for (size_t i = 0; i < TU_ARRAY_SIZE(want); i++) {
		ksm_gov_manual(want[i].budget, 2000, &pages, &sleep);
		if (pages != want[i].pages || sleep != want[i].sleep)
			fail_msg("budget %u: %llu pages / %llu ms, want %llu / %llu",
				 want[i].budget, pages, sleep, want[i].pages,
				 want[i].sleep);
	}
	/* a dearer page: fewer pages, the same sleep */
	ksm_gov_manual(50, 4000, &pages, &sleep);
	assert_int_equal(pages, 5000);
	assert_int_equal(sleep, 20);
	/* no cost known: the documented default */
	ksm_gov_manual(50, 0, &pages, &sleep);
	assert_int_equal(pages, 20e6 / KSM_GOV_DEFAULT_COST_NS);
	/* 100 % still sleeps */
	ksm_gov_manual(100, 2000, &pages, &sleep);
	assert_true(sleep >= KSM_GOV_SLEEP_MIN_MS);
	/* a page so cheap the batch would overflow the kernel's uint */
	ksm_gov_manual(95, 0.001, &pages, &sleep);
	assert_int_equal(pages, 4294967295ULL);
}

/* Every budget and cost: the knobs give back the budget they were for. */
static void test_manual_inverse(void **state)
{
	static const double costs[] = { 300, 2000, 5000, 20000 };

	(void)state;
	for (size_t c = 0; c < TU_ARRAY_SIZE(costs); c++) {
		for (unsigned int b = 1; b <= 99; b++) {
			unsigned long long pages, sleep;
			double got;

			ksm_gov_manual(b, costs[c], &pages, &sleep);
			got = ksm_gov_manual_budget(pages, sleep, costs[c]);
			if (fabs(got - b) > 0.05 * b + 0.01)
				fail_msg("budget %u at %.0f ns: knobs give %.3f%%",
					 b, costs[c], got);
			assert_true(sleep >= KSM_GOV_SLEEP_MIN_MS &&
				    sleep <= KSM_GOV_SLEEP_MAX_MS);
		}
	}
	assert_true(ksm_gov_manual_budget(0, 0, 2000) == 100.0);
}

static void test_target_scan_time(void **state)
{
	(void)state;
	/* 50/budget s: full and medium want their budget, low takes it easy */
	assert_int_equal(ksm_gov_target_scan_time(95), 1);
	assert_int_equal(ksm_gov_target_scan_time(100), 1);
	assert_int_equal(ksm_gov_target_scan_time(50), 1);
	assert_int_equal(ksm_gov_target_scan_time(20), 3);
	assert_int_equal(ksm_gov_target_scan_time(10), 5);
	assert_int_equal(ksm_gov_target_scan_time(1), 50);
}

/* ---- mapping, per kind ------------------------------------------------- */

static void test_map_uksm(void **state)
{
	struct ksm_gov_plan plan;
	struct ksm_sample s;

	(void)state;
	kernel_uksm(&s);
	assert_int_equal(ksm_gov_map(KSM_GOV_UKSM, 20, "low", 2000, &s, &plan), 0);
	assert_int_equal(plan.count, 1);
	assert_string_equal(plan_value(&plan, "cpu_governor"), "low");
	assert_int_equal(plan.kind, KSM_GOV_UKSM);
	/* a number: UKSM's max_cpu_percentage, inside its 10..99 */
	assert_int_equal(ksm_gov_map(KSM_GOV_UKSM, 35, NULL, 2000, &s, &plan), 0);
	assert_int_equal(plan.count, 1);
	assert_string_equal(plan_value(&plan, "max_cpu_percentage"), "35");
	assert_int_equal(ksm_gov_map(KSM_GOV_UKSM, 10, NULL, 2000, &s, &plan), 0);
	assert_int_equal(ksm_gov_map(KSM_GOV_UKSM, 99, NULL, 2000, &s, &plan), 0);
	assert_int_equal(ksm_gov_map(KSM_GOV_UKSM, 9, NULL, 2000, &s, &plan), -EDOM);
	assert_non_null(strstr(plan.note, "10 to 99"));
	assert_int_equal(plan.count, 0);
	assert_int_equal(ksm_gov_map(KSM_GOV_UKSM, 100, NULL, 2000, &s, &plan), -EDOM);
	/* quiet's 1 % is fine as a preset: the kernel's preset sets it */
	assert_int_equal(ksm_gov_map(KSM_GOV_UKSM, 1, "quiet", 2000, &s, &plan), 0);
}

static void test_map_cpu_advisor(void **state)
{
	struct ksm_gov_plan plan;
	struct ksm_sample s;

	(void)state;
	kernel_612(&s);
	assert_int_equal(ksm_gov_map(KSM_GOV_CPU_ADVISOR, 1, "quiet", 2000, &s,
				     &plan), 0);
	/* the CPU advisor takes even 1 %: no manual fallback */
	assert_int_equal(plan.kind, KSM_GOV_CPU_ADVISOR);
	assert_string_equal(plan_value(&plan, "advisor_mode"), "cpu");
	assert_string_equal(plan_value(&plan, "advisor_target_cpu"), "1");
	assert_string_equal(plan_value(&plan, "sleep_millisecs"), "1000");
	assert_string_equal(plan_value(&plan, "advisor_max_pages_to_scan"), "30000");
	assert_null(plan_value(&plan, "pages_to_scan"));
	assert_string_equal(plan.note, "");
	ksm_gov_map(KSM_GOV_CPU_ADVISOR, 95, "full", 2000, &s, &plan);
	assert_string_equal(plan_value(&plan, "advisor_target_cpu"), "95");
	/* room for twice the batch 95 % needs at 2 us: 2 x 95000 */
	assert_string_equal(plan_value(&plan, "advisor_max_pages_to_scan"), "190000");
	assert_string_equal(plan_value(&plan, "sleep_millisecs"), "10");
}

static void test_map_scan_time(void **state)
{
	struct ksm_gov_plan plan;
	struct ksm_sample s;

	(void)state;
	kernel_612(&s);
	assert_int_equal(ksm_gov_map(KSM_GOV_SCAN_TIME, 50, "medium", 2000, &s,
				     &plan), 0);
	assert_int_equal(plan.kind, KSM_GOV_SCAN_TIME);
	assert_int_equal(plan.count, 6);
	assert_string_equal(plan_value(&plan, "advisor_mode"), "scan-time");
	assert_string_equal(plan_value(&plan, "advisor_max_cpu"), "50");
	assert_string_equal(plan_value(&plan, "advisor_target_scan_time"), "1");
	assert_string_equal(plan_value(&plan, "sleep_millisecs"), "20");
	/* the advisor starts at the budget's batch, with room above it */
	assert_string_equal(plan_value(&plan, "advisor_min_pages_to_scan"), "10000");
	assert_string_equal(plan_value(&plan, "advisor_max_pages_to_scan"), "30000");
	/* pages_to_scan belongs to the advisor */
	assert_null(plan_value(&plan, "pages_to_scan"));
	/* the floor: 10 % is the advisor's, 9 % is ksmctl's own pacing */
	ksm_gov_map(KSM_GOV_SCAN_TIME, 10, NULL, 2000, &s, &plan);
	assert_int_equal(plan.kind, KSM_GOV_SCAN_TIME);
	ksm_gov_map(KSM_GOV_SCAN_TIME, 9, NULL, 2000, &s, &plan);
	assert_int_equal(plan.kind, KSM_GOV_MANUAL);
	ksm_gov_map(KSM_GOV_SCAN_TIME, 1, "quiet", 2000, &s, &plan);
	assert_int_equal(plan.kind, KSM_GOV_MANUAL);
	assert_non_null(strstr(plan.note, "10%"));
	assert_string_equal(plan_value(&plan, "advisor_mode"), "none");
	assert_string_equal(plan_value(&plan, "pages_to_scan"), "5051");
	assert_string_equal(plan_value(&plan, "sleep_millisecs"), "1000");
	/* full's batch is big: min 95000, max twice that */
	ksm_gov_map(KSM_GOV_SCAN_TIME, 95, "full", 2000, &s, &plan);
	assert_string_equal(plan_value(&plan, "advisor_min_pages_to_scan"), "95000");
	assert_string_equal(plan_value(&plan, "advisor_max_pages_to_scan"), "190000");
}

static void test_map_manual(void **state)
{
	struct ksm_gov_plan plan;
	struct ksm_sample s;

	(void)state;
	kernel_61(&s);
	assert_int_equal(ksm_gov_map(KSM_GOV_MANUAL, 95, "full", 2000, &s, &plan), 0);
	/* no advisor_mode on 6.1: nothing to switch off */
	assert_int_equal(plan.count, 2);
	assert_null(plan_value(&plan, "advisor_mode"));
	assert_string_equal(plan_value(&plan, "pages_to_scan"), "95000");
	assert_string_equal(plan_value(&plan, "sleep_millisecs"), "10");
	assert_string_equal(plan.note, "");
	ksm_gov_map(KSM_GOV_MANUAL, 20, NULL, 5000, &s, &plan);
	assert_string_equal(plan_value(&plan, "pages_to_scan"), "4000");
	assert_string_equal(plan_value(&plan, "sleep_millisecs"), "80");
}

/* ---- recognising the active preset ------------------------------------- */

struct kernel_kind {
	enum ksm_gov_kind kind;
	void (*make)(struct ksm_sample *s);
	const struct ksm_gov_caps *caps;
};

static const struct kernel_kind kinds[] = {
	{ KSM_GOV_UKSM, kernel_uksm, &caps_uksm },
	{ KSM_GOV_CPU_ADVISOR, kernel_612, &caps_cpu },
	{ KSM_GOV_SCAN_TIME, kernel_612, &caps_612 },
	{ KSM_GOV_MANUAL, kernel_61, &caps_61 },
};

/* Set each preset on each kind of kernel, then recognise it. */
static void test_recognise_round_trip(void **state)
{
	(void)state;
	for (size_t k = 0; k < TU_ARRAY_SIZE(kinds); k++) {
		for (int p = 0; p < KSM_GOV_PRESETS; p++) {
			const struct ksm_gov_preset *pr = &ksm_gov_presets[p];
			struct ksm_gov_caps caps = *kinds[k].caps;
			struct ksm_gov_state st;
			struct ksm_gov_plan plan;
			struct ksm_sample s;

			kinds[k].make(&s);
			assert_int_equal(ksm_gov_map(kinds[k].kind, pr->budget,
						     pr->name, 3000, &s, &plan), 0);
			apply(&s, &caps, &plan);
			ksm_gov_recognise(kinds[k].kind, &caps, &s, 3000, &st);
			if (strcmp(st.preset, pr->name))
				fail_msg("%s kernel: set %s, recognised %s",
					 ksm_gov_kind_name(kinds[k].kind),
					 pr->name, st.preset);
			assert_int_equal(st.budget, pr->budget);
			assert_int_equal(st.kind, plan.kind);
			assert_false(st.estimated);
			/* another cost per page: the manual knobs no longer fit */
			ksm_gov_recognise(kinds[k].kind, &caps, &s, 6000, &st);
			if (plan.kind == KSM_GOV_MANUAL)
				assert_string_equal(st.preset, "custom");
			else
				assert_string_equal(st.preset, pr->name);
		}
	}
}

static void test_recognise_custom(void **state)
{
	struct ksm_gov_caps caps;
	struct ksm_gov_state st;
	struct ksm_sample s;

	(void)state;
	/* kernel defaults on 6.1: 100 pages per 20 ms, estimated */
	kernel_61(&s);
	ksm_gov_recognise(KSM_GOV_MANUAL, &caps_61, &s, 5000, &st);
	assert_string_equal(st.preset, "custom");
	assert_true(st.estimated);
	assert_true(fabs(st.estimate - 100.0 * 0.5 / 20.5) < 0.01);
	assert_int_equal(st.kind, KSM_GOV_MANUAL);

	/* the scan-time advisor on with the kernel's defaults: capped at 70 */
	kernel_612(&s);
	put(&s, "advisor_mode", "none [scan-time]\n");
	ksm_gov_recognise(KSM_GOV_SCAN_TIME, &caps_612, &s, 5000, &st);
	assert_string_equal(st.preset, "custom");
	assert_int_equal(st.kind, KSM_GOV_SCAN_TIME);
	assert_int_equal(st.budget, 70);
	assert_false(st.estimated);
	/* medium's cap, but not its target scan time */
	put(&s, "advisor_max_cpu", "50\n");
	put(&s, "advisor_target_scan_time", "2\n");
	ksm_gov_recognise(KSM_GOV_SCAN_TIME, &caps_612, &s, 5000, &st);
	assert_string_equal(st.preset, "custom");
	put(&s, "advisor_target_scan_time", "1\n");
	ksm_gov_recognise(KSM_GOV_SCAN_TIME, &caps_612, &s, 5000, &st);
	assert_string_equal(st.preset, "medium");
	/* start, room and sleep do not define the budget: still medium */
	put(&s, "advisor_min_pages_to_scan", "1234\n");
	put(&s, "advisor_max_pages_to_scan", "31234\n");
	put(&s, "sleep_millisecs", "33\n");
	ksm_gov_recognise(KSM_GOV_SCAN_TIME, &caps_612, &s, 5000, &st);
	assert_string_equal(st.preset, "medium");

	/* UKSM: a preset loaded, then its budget changed */
	kernel_uksm(&s);
	ksm_gov_recognise(KSM_GOV_UKSM, &caps_uksm, &s, 5000, &st);
	assert_string_equal(st.preset, "full");
	put(&s, "max_cpu_percentage", "60\n");
	ksm_gov_recognise(KSM_GOV_UKSM, &caps_uksm, &s, 5000, &st);
	assert_string_equal(st.preset, "custom");
	assert_int_equal(st.budget, 60);
	/* quiet reads max_cpu_percentage 1, which no write can give */
	put(&s, "cpu_governor", "full medium low [quiet] \n");
	put(&s, "max_cpu_percentage", "1\n");
	ksm_gov_recognise(KSM_GOV_UKSM, &caps_uksm, &s, 5000, &st);
	assert_string_equal(st.preset, "quiet");

	/* the CPU advisor on, at a figure no preset has */
	kernel_612(&s);
	caps = caps_cpu;
	caps.cpu_mode_active = true;
	caps.target_cpu = 33;
	ksm_gov_recognise(KSM_GOV_CPU_ADVISOR, &caps, &s, 5000, &st);
	assert_string_equal(st.preset, "custom");
	assert_int_equal(st.kind, KSM_GOV_CPU_ADVISOR);
	assert_int_equal(st.budget, 33);
	caps.target_cpu = 20;
	ksm_gov_recognise(KSM_GOV_CPU_ADVISOR, &caps, &s, 5000, &st);
	assert_string_equal(st.preset, "low");
}

/* ---- calibration ------------------------------------------------------- */

static void test_cost(void **state)
{
	struct ksm_gov_reading a = {
		.seconds = 100, .cpu_ns = 5000000000ULL, .has_pages_scanned = true,
		.pages_scanned = 1000000, .full_scans = 10, .rmap_items = 50000,
	};
	struct ksm_gov_reading b = a;
	struct ksm_gov_calibration c;
	char why[256];

	(void)state;
	b.seconds = 110;
	b.cpu_ns += 200000000;		/* 200 ms */
	b.pages_scanned += 100000;
	assert_int_equal(ksm_gov_cost(&a, &b, &c, why, sizeof(why)), 0);
	assert_true(fabs(c.cost_ns - 2000) < 1e-9);
	assert_int_equal(c.pages, 100000);
	assert_int_equal(c.cpu_ns, 200000000);
	assert_string_equal(c.method, "pages_scanned");
	assert_true(fabs(c.seconds - 10) < 1e-9);

	/* before 6.6: full scans x the pages each one visits */
	a.has_pages_scanned = b.has_pages_scanned = false;
	b.full_scans = a.full_scans + 4;
	b.rmap_items = 50000;
	assert_int_equal(ksm_gov_cost(&a, &b, &c, why, sizeof(why)), 0);
	assert_int_equal(c.pages, 200000);
	assert_true(fabs(c.cost_ns - 1000) < 1e-9);
	assert_string_equal(c.method, "full_scans");
	b.full_scans = a.full_scans + 1;
	assert_int_equal(ksm_gov_cost(&a, &b, &c, why, sizeof(why)), -EAGAIN);
	assert_non_null(strstr(why, "--duration"));

	/* ksmd idle: nothing to measure */
	a.has_pages_scanned = b.has_pages_scanned = true;
	b.pages_scanned = a.pages_scanned + 10;
	assert_int_equal(ksm_gov_cost(&a, &b, &c, why, sizeof(why)), -EAGAIN);
	assert_non_null(strstr(why, "too few"));
	b.pages_scanned = a.pages_scanned + 100000;
	b.cpu_ns = a.cpu_ns;
	assert_int_equal(ksm_gov_cost(&a, &b, &c, why, sizeof(why)), -EAGAIN);
	/* out of order */
	b.cpu_ns = a.cpu_ns - 1;
	assert_int_equal(ksm_gov_cost(&a, &b, &c, why, sizeof(why)), -EAGAIN);
	b.cpu_ns = a.cpu_ns + 1000;
	b.seconds = a.seconds;
	assert_int_equal(ksm_gov_cost(&a, &b, &c, why, sizeof(why)), -EAGAIN);
}

static void test_calibration_file(void **state)
{
	struct ksm_gov_calibration c = {
		.cost_ns = 1834.25, .pages = 123456, .cpu_ns = 226000000,
		.seconds = 10, .method = "pages_scanned",
		.kernel = "6.18.44-fc",
	}, back;
	char text[1024];

	(void)state;
	ksm_gov_calibration_format(&c, text, sizeof(text));
	assert_non_null(strstr(text, "COST_NS_PER_PAGE=1834.2"));
	assert_int_equal(ksm_gov_calibration_parse(text, &back), 0);
	assert_true(fabs(back.cost_ns - 1834.2) < 0.06);
	assert_int_equal(back.pages, 123456);
	assert_int_equal(back.cpu_ns, 226000000);
	assert_string_equal(back.method, "pages_scanned");
	assert_string_equal(back.kernel, "6.18.44-fc");

	assert_int_equal(ksm_gov_calibration_parse("# nothing\n", &back), -EINVAL);
	assert_int_equal(ksm_gov_calibration_parse("COST_NS_PER_PAGE=0\n", &back),
			 -EINVAL);
	assert_int_equal(ksm_gov_calibration_parse("COST_NS_PER_PAGE=-3\n", &back),
			 -EINVAL);
	assert_int_equal(ksm_gov_calibration_parse("COST_NS_PER_PAGE=fast\n", &back),
			 -EINVAL);
	assert_int_equal(ksm_gov_calibration_parse("COST_NS_PER_PAGE=nan\n", &back),
			 -EINVAL);
	assert_int_equal(ksm_gov_calibration_parse("COST_NS_PER_PAGE=inf\n", &back),
			 -EINVAL);
	assert_int_equal(ksm_gov_calibration_parse("this is not a file\n", &back),
			 -EINVAL);
	/* only the cost is needed */
	assert_int_equal(ksm_gov_calibration_parse("COST_NS_PER_PAGE=700\n", &back), 0);
	assert_true(back.cost_ns == 700);
}

/* ---- probing a sysroot ------------------------------------------------- */

static void probe_tree(const char *mode, const char *target, bool *cpu,
		       bool *active, unsigned long long *value)
{
	char *dir = tu_mkroot();
	struct ksm_root *root;
	struct ksm_sample s;
	struct ksm_gov_caps caps;

	tu_write(dir, "sys/kernel/mm/ksm/run", "1\n");
	tu_write(dir, "sys/kernel/mm/ksm/advisor_mode", mode);
	if (target)
		tu_write(dir, "sys/kernel/mm/ksm/advisor_target_cpu", target);
	assert_int_equal(ksm_root_open(&root, dir), 0);
	assert_int_equal(ksm_sample_read(root, &s), 0);
	ksm_gov_probe(root, &s, &caps);
	assert_true(caps.advisor);
	assert_false(caps.uksm);
	*cpu = caps.cpu_advisor;
	*active = caps.cpu_mode_active;
	*value = caps.target_cpu;
	ksm_root_close(root);
	tu_rmtree(dir);
	free(dir);
}

static void test_probe(void **state)
{
	unsigned long long target;
	bool cpu, active;

	(void)state;
	probe_tree("[none] scan-time\n", NULL, &cpu, &active, &target);
	assert_false(cpu);
	probe_tree("[none] scan-time cpu\n", "25\n", &cpu, &active, &target);
	assert_true(cpu);
	assert_false(active);
	assert_int_equal(target, 25);
	probe_tree("none scan-time [cpu]\n", "40\n", &cpu, &active, &target);
	assert_true(cpu && active);
	assert_int_equal(target, 40);
	/* the mode without its file is not the patch */
	probe_tree("none scan-time [cpu]\n", NULL, &cpu, &active, &target);
	assert_false(cpu || active);
	/* a mode that only contains the word */
	probe_tree("[none] scan-time cpuset\n", "40\n", &cpu, &active, &target);
	assert_false(cpu);
}

static void test_probe_uksm(void **state)
{
	char *dir = tu_mkroot();
	struct ksm_root *root;
	struct ksm_sample s;
	struct ksm_gov_caps caps;

	(void)state;
	tu_write(dir, "sys/kernel/mm/uksm/run", "1\n");
	tu_write(dir, "sys/kernel/mm/uksm/cpu_governor", "full [medium] low quiet \n");
	tu_write(dir, "sys/kernel/mm/uksm/max_cpu_percentage", "50\n");
	assert_int_equal(ksm_root_open(&root, dir), 0);
	assert_int_equal(ksm_sample_read(root, &s), 0);
	ksm_gov_probe(root, &s, &caps);
	assert_true(caps.uksm);
	assert_false(caps.advisor);
	assert_int_equal(ksm_gov_detect(&caps), KSM_GOV_UKSM);
	ksm_root_close(root);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_presets),
		cmocka_unit_test(test_manual_figures),
		cmocka_unit_test(test_manual_inverse),
		cmocka_unit_test(test_target_scan_time),
		cmocka_unit_test(test_map_uksm),
		cmocka_unit_test(test_map_cpu_advisor),
		cmocka_unit_test(test_map_scan_time),
		cmocka_unit_test(test_map_manual),
		cmocka_unit_test(test_recognise_round_trip),
		cmocka_unit_test(test_recognise_custom),
		cmocka_unit_test(test_cost),
		cmocka_unit_test(test_calibration_file),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_probe_uksm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
