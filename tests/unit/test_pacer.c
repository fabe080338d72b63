// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pacer: knob values for a share, merges told from exits, working
 * and idle over full scans, and the closed loop's steps (towards the
 * target, damped, bounded, quiet inside the deadband, nothing while
 * ksmd does not run).
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
#include "lib/pacer.h"

/* A reading t seconds in, ksmd having used cpu_ms, at full scan n. */
static struct ksm_pace_reading at(double t, double cpu_ms,
				  unsigned long long n,
				  unsigned long long merged)
{
	return (struct ksm_pace_reading){
		.seconds = t,
		.cpu_ns = (unsigned long long)(cpu_ms * 1e6),
		.full_scans = n,
		.merged = merged,
		.running = true,
	};
}

static void knobs_fill_the_share(void **state)
{
	unsigned long long pages, sleep;

	(void)state;
	/* half a CPU at 1 us a page: 20 ms batches, 20 ms sleeps */
	ksm_pace_knobs(0.5, 1000, &pages, &sleep);
	assert_int_equal(sleep, 20);
	assert_int_equal(pages, 20000);
	/* the idle share sleeps the longest the kernel is asked to */
	ksm_pace_knobs(KSM_PACE_IDLE_SHARE, 1000, &pages, &sleep);
	assert_int_equal(sleep, KSM_GOV_SLEEP_MAX_MS);
	assert_true(fabs(100.0 * KSM_PACE_IDLE_SHARE -
			 ksm_gov_manual_budget(pages, sleep, 1000)) < 0.01);
	/* no cost known: the conservative default */
	ksm_pace_knobs(0.5, 0, &pages, &sleep);
	assert_int_equal(pages, 4000);
}

static void merges_told_from_exits(void **state)
{
	struct ksm_pace_reading a = at(0, 0, 1, 1000), b = a;

	(void)state;
	assert_false(ksm_pace_merged(&a, &b));
	b.merged = 900;		/* a process exited */
	assert_false(ksm_pace_merged(&a, &b));
	b.cow = 150;		/* ...but 150 merged pages were written to */
	assert_true(ksm_pace_merged(&a, &b));
	b.cow = 0;
	b.merged = 1001;
	assert_true(ksm_pace_merged(&a, &b));
}

static void idle_after_two_quiet_full_scans(void **state)
{
	struct ksm_pace_activity act = { 0 };
	struct ksm_pace_reading r0 = at(0, 0, 10, 500), r1 = at(1, 0, 11, 500),
				r2 = at(2, 0, 12, 500), r3 = at(3, 0, 13, 500),
				r4 = at(11, 0, 13, 500), r5 = at(12, 0, 13, 501);

	(void)state;
	/* the first step knows nothing yet: working */
	assert_false(ksm_pace_activity_step(&act, &r0, &r1));
	assert_false(act.idle);
	assert_int_equal(act.quiet_since, 11);
	/* one quiet full scan is not enough */
	assert_false(ksm_pace_activity_step(&act, &r1, &r2));
	assert_false(act.idle);
	/* two are, once KSM_PACE_IDLE_SECONDS went by too */
	assert_false(ksm_pace_activity_step(&act, &r2, &r3));
	assert_false(act.idle);
	assert_true(ksm_pace_activity_step(&act, &r3, &r4));
	assert_true(act.idle);
	assert_false(ksm_pace_activity_step(&act, &r4, &r4));
	assert_true(act.idle);
	/* one merge: working again, and counting starts over */
	assert_true(ksm_pace_activity_step(&act, &r4, &r5));
	assert_false(act.idle);
	assert_int_equal(act.quiet_since, 13);
}

static void steps_towards_the_target(void **state)
{
	struct ksm_pacer p;
	struct ksm_pace_reading a = at(0, 0, 1, 100), b;
	unsigned long long start;
	double ratio;

	(void)state;
	ksm_pacer_init(&p, 0.5, 1000);
	start = p.pages;
	/* a budget is a ceiling: the pacer aims a little below it */
	assert_true(fabs(ksm_pacer_target(&p) - 0.5 * KSM_PACE_AIM) < 1e-12);
	/* ksmd used 30 %: more pages, damped */
	b = at(1, 300, 1, 200);
	assert_true(ksm_pacer_step(&p, &a, &b));
	assert_true(fabs(p.measured - 0.3) < 1e-9);
	ratio = 1 + KSM_PACE_GAIN * (0.5 * KSM_PACE_AIM - 0.3) / (0.5 * KSM_PACE_AIM);
	assert_true(ratio > 1 && ratio < KSM_PACE_MAX_UP);
	assert_int_equal(p.pages, llround(start * ratio));
	/* ksmd used 95 %: fewer, at most halved */
	start = p.pages;
	a = b;
	b = at(2, 1250, 1, 300);
	assert_true(ksm_pacer_step(&p, &a, &b));
	assert_int_equal(p.pages, llround(start / KSM_PACE_MAX_DOWN));
	/* on target: nothing to write */
	a = b;
	b = at(3, 1250 + 1000 * 0.5 * KSM_PACE_AIM, 1, 400);
	assert_false(ksm_pacer_step(&p, &a, &b));
	assert_int_equal(p.sleep_ms, llround(KSM_GOV_BATCH_MS * (1 - 0.5 * KSM_PACE_AIM) / (0.5 * KSM_PACE_AIM)));
}

static void nothing_while_ksmd_stopped(void **state)
{
	struct ksm_pacer p;
	struct ksm_pace_reading a = at(0, 0, 1, 100), b = at(1, 0, 1, 100);
	unsigned long long start;

	(void)state;
	ksm_pacer_init(&p, 0.5, 1000);
	start = p.pages;
	b.running = false;
	assert_false(ksm_pacer_step(&p, &a, &b));
	assert_int_equal(p.pages, start);
	/* nor when no time passed */
	b = a;
	assert_false(ksm_pacer_step(&p, &a, &b));
}


/*
 * A counter that could not be read is not 0: a reading from such a
 * sample moves nothing (read as 0, full_scans and the merged count fell
 * and rose, and the pacer took it for work or for idleness).
 */
static void nothing_from_unreadable_counters(void **state)
{
	static const enum ksm_knob_id ids[] = {
		KSM_RUN, KSM_PAGES_SCANNED, KSM_FULL_SCANS, KSM_PAGES_SHARING,
		KSM_ZERO_PAGES,
	};
	struct ksm_pace_reading a, b;
	struct ksm_pacer p;
	struct ksm_sample s;

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		memset(&s, 0, sizeof(s));
		s.page_size = 4096;
		s.v[KSM_RUN].u = 1;
		s.v[KSM_FULL_SCANS].u = 10;
		s.v[KSM_PAGES_SHARING].u = 1000;
		s.v[KSM_PAGES_SCANNED].u = 100000;
		s.when.tv_sec = 100;
		ksm_pace_reading_fill(&a, &s);
		a.cpu_ns = 0;
		s.when.tv_sec = 110;
		s.v[KSM_PAGES_SCANNED].u = 900000;
		s.v[KSM_FULL_SCANS].u = 14;
		s.v[ids[i]].err = -EBADMSG;
		ksm_pace_reading_fill(&b, &s);
		b.cpu_ns = 9000000000ULL;	/* 90 %: far off any target */
		ksm_pacer_init(&p, 0.2, 1000);
		{
			unsigned long long pages = p.pages, sleep = p.sleep_ms;

			if (ksm_pacer_step(&p, &a, &b) || p.pages != pages ||
			    p.sleep_ms != sleep)
				fail_msg("%s unreadable: the pacer moved", ksm_knobs[ids[i]].name);
		}
	}
}

static void idle_drops_to_the_idle_share(void **state)
{
	struct ksm_pacer p;
	struct ksm_pace_reading r[4] = {
		at(0, 0, 10, 100), at(1, 500, 11, 200),
		at(2, 1000, 12, 200), at(11, 5500, 13, 200),
	};
	unsigned long long pages, sleep;

	(void)state;
	ksm_pacer_init(&p, 0.95, 1000);
	assert_false(ksm_pacer_step(&p, &r[0], &r[1]) && p.act.idle);
	ksm_pacer_step(&p, &r[1], &r[2]);
	assert_true(ksm_pacer_step(&p, &r[2], &r[3]));
	assert_true(p.act.idle);
	assert_true(ksm_pacer_target(&p) == KSM_PACE_IDLE_SHARE);
	/* in small batches often: at most KSM_PACE_SLEEP_MAX_MS asleep */
	assert_int_equal(p.sleep_ms, KSM_PACE_SLEEP_MAX_MS);
	pages = llround(KSM_PACE_IDLE_SHARE * KSM_PACE_SLEEP_MAX_MS * 1e6 /
			((1 - KSM_PACE_IDLE_SHARE) * p.cost_ns));
	assert_int_equal(p.pages, pages);
	/* the one-shot manual method sleeps up to a second */
	ksm_pace_knobs(KSM_PACE_IDLE_SHARE, p.cost_ns, &pages, &sleep);
	assert_int_equal(sleep, KSM_GOV_SLEEP_MAX_MS);
	/* a budget below twice the idle share idles at half of it */
	ksm_pacer_init(&p, 0.006, 1000);
	assert_true(fabs(p.idle_share - 0.003) < 1e-12);
}

static void waits_for_a_few_cycles(void **state)
{
	struct ksm_pacer p;
	struct ksm_pace_reading a = at(0, 0, 1, 100), b = at(1, 0, 1, 100);

	(void)state;
	/* 20 ms batches and 20 ms sleeps: a second holds 25 cycles */
	ksm_pacer_init(&p, 0.5, 1000);
	assert_true(ksm_pacer_ready(&p, &a, &b));
	/* the idle share sleeps a second: four of them make a step */
	p.pages = 1000;
	p.sleep_ms = 1000;
	assert_false(ksm_pacer_ready(&p, &a, &b));
	b.seconds = 4.1;
	assert_true(ksm_pacer_ready(&p, &a, &b));
}

static void overspending_is_paid_back(void **state)
{
	struct ksm_pacer p;
	struct ksm_pace_reading a = at(0, 0, 1, 100), b = at(4, 3800, 2, 200);
	unsigned long long before;

	(void)state;
	ksm_pacer_init(&p, 0.5, 1000);
	/* 95 % for four seconds under a 50 % budget: a debt */
	ksm_pacer_step(&p, &a, &b);
	assert_true(fabs(p.debt - 4 * (0.95 - 0.5 * KSM_PACE_AIM)) < 1e-9);
	/* then exactly on target: still fewer pages, to pay it back */
	before = p.pages;
	a = b;
	b = at(5, 3800 + 1000 * 0.5 * KSM_PACE_AIM, 3, 300);
	assert_true(ksm_pacer_step(&p, &a, &b));
	assert_true(p.pages < before);
	/* underspending earns no credit */
	a = b;
	b = at(6, b.cpu_ns / 1e6 + 10, 4, 400);
	ksm_pacer_step(&p, &a, &b);
	for (int i = 0; i < 5; i++) {
		a = b;
		b = at(7 + i, b.cpu_ns / 1e6 + 10, 5 + i, 500 + i);
		ksm_pacer_step(&p, &a, &b);
	}
	assert_true(p.debt == 0);
}

static void slow_scans_keep_the_dear_batch(void **state)
{
	struct ksm_pacer p;
	struct ksm_pace_reading a = at(0, 0, 1, 100), b = a;
	double dear;

	(void)state;
	ksm_pacer_init(&p, 0.01, 1000);
	a.has_pages_scanned = b.has_pages_scanned = true;
	/* a dear region: 1000 pages for 10 ms, 10 us a page */
	b.seconds = 1;
	b.cpu_ns = 10000000;
	b.pages_scanned = 1000;
	ksm_pacer_step(&p, &a, &b);
	assert_true(p.cost_high == 10000);
	/* then a cheap one, no full scan ending for a minute: ksmd uses
	 * next to nothing, yet the batch stays what the dear region allows */
	for (int i = 0; i < 20; i++) {
		a = b;
		b.seconds += 1;
		b.cpu_ns += 100000;
		b.pages_scanned += 1000;
		ksm_pacer_step(&p, &a, &b);
	}
	dear = 0.01 * KSM_PACE_AIM * (double)p.sleep_ms * 1e6 /
	       ((1 - 0.01 * KSM_PACE_AIM) * p.cost_high);
	assert_true(p.pages <= dear);
	/* full scans ending every second average their regions: it grows */
	for (int i = 0; i < 10; i++) {
		a = b;
		b.seconds += 1;
		b.cpu_ns += 100000;
		b.pages_scanned += 1000;
		b.full_scans++;
		b.merged++;
		ksm_pacer_step(&p, &a, &b);
	}
	assert_true(p.pages > 2 * dear);
}

static void cost_between_readings(void **state)
{
	struct ksm_pace_reading a = at(0, 0, 1, 100), b = at(1, 2, 1, 100);

	(void)state;
	/* no pages_scanned (before 6.6): no cost */
	b.pages_scanned = 1000;
	assert_true(ksm_pace_cost(&a, &b) == 0);
	a.has_pages_scanned = b.has_pages_scanned = true;
	/* 1000 pages for 2 ms: 2 us a page */
	assert_true(fabs(ksm_pace_cost(&a, &b) - 2000) < 1e-9);
	/* too few pages, or under a millisecond: nothing to say */
	b.pages_scanned = 99;
	assert_true(ksm_pace_cost(&a, &b) == 0);
	b.pages_scanned = 1000;
	b.cpu_ns = 999999;
	assert_true(ksm_pace_cost(&a, &b) == 0);
}

static void learns_the_cost_and_bounds_the_batch(void **state)
{
	struct ksm_pacer p;
	struct ksm_pace_reading a = at(0, 0, 1, 100), b = at(1, 0.5, 1, 200);
	unsigned long long max;

	(void)state;
	ksm_pacer_init(&p, 0.95, 5000);
	/* 100000 pages for 100 ms: 1 us, averaged with the guess */
	a.has_pages_scanned = b.has_pages_scanned = true;
	b.pages_scanned = 100000;
	b.cpu_ns = 100000000;
	ksm_pacer_step(&p, &a, &b);
	assert_true(fabs(p.cost_ns - 3000) < 1e-6);
	/* ksmd idle for lack of pages: pages grow, but a batch stays
	 * within KSM_PACE_MAX_BATCH_MS at the cost known */
	for (int i = 0; i < 40; i++) {
		a = b;
		b.seconds += 1;
		b.cpu_ns += 1000;
		ksm_pacer_step(&p, &a, &b);
	}
	max = (unsigned long long)(KSM_PACE_MAX_BATCH_MS * 1e6 / p.cost_ns);
	assert_true(p.pages <= max);
	/* ...up to the deadband below it */
	assert_true(p.pages >= (1 - KSM_PACE_DEADBAND) * max);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(knobs_fill_the_share),
		cmocka_unit_test(merges_told_from_exits),
		cmocka_unit_test(idle_after_two_quiet_full_scans),
		cmocka_unit_test(steps_towards_the_target),
		cmocka_unit_test(nothing_while_ksmd_stopped),
		cmocka_unit_test(nothing_from_unreadable_counters),
		cmocka_unit_test(idle_drops_to_the_idle_share),
		cmocka_unit_test(waits_for_a_few_cycles),
		cmocka_unit_test(overspending_is_paid_back),
		cmocka_unit_test(slow_scans_keep_the_dear_batch),
		cmocka_unit_test(cost_between_readings),
		cmocka_unit_test(learns_the_cost_and_bounds_the_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
