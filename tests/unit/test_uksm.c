// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * UKSM kernels (/sys/kernel/mm/uksm): the table rows, their parse rules
 * (from mm/uksm.c's stores: cpu_governor matches a prefix, cpu_ratios
 * takes MAX/N, the lists split at single spaces, run and sleep_millisecs
 * are stricter than KSM's), reading a UKSM tree (which directory, the
 * "N * 2^k" count, KsmZeroPages from /proc/meminfo), and transactions
 * on it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/txn.h"
#include "testutil.h"

static const struct ksm_knob *knob(const char *name)
{
	const struct ksm_knob *k = ksm_knob_find(name);

	if (!k)
		fail_msg("knob %s missing from the table", name);
	return k;
}

/* ---- the table --------------------------------------------------------- */

static void test_table_dirs(void **state)
{
	static const char *const both[] = {
		"run", "sleep_millisecs", "pages_shared", "pages_sharing",
		"pages_unshared", "full_scans", "pages_scanned", "ksm_zero_pages",
	};
	static const char *const uksm_only[] = {
		"cpu_governor", "max_cpu_percentage", "cpu_ratios",
		"eval_intervals", "abundant_threshold", "thrash_threshold",
		"ema_per_page_time", "hash_strength", "sleep_times",
	};
	int in_uksm = 0;

	(void)state;
	for (size_t i = 0; i < TU_ARRAY_SIZE(both); i++)
		assert_int_equal(ksm_knob_dirs(knob(both[i])),
				 KNOB_IN_KSM | KNOB_IN_UKSM);
	for (size_t i = 0; i < TU_ARRAY_SIZE(uksm_only); i++)
		assert_int_equal(ksm_knob_dirs(knob(uksm_only[i])), KNOB_IN_UKSM);
	/* every file of mm/uksm.c's uksm_attrs[], and nothing else */
	for (int i = 0; i < KSM_KNOB_COUNT; i++)
		in_uksm += !!(ksm_knob_dirs(&ksm_knobs[i]) & KNOB_IN_UKSM);
	assert_int_equal(in_uksm, 16 + 1 /* ksm_zero_pages, from meminfo */);
	/* mainline rows need no .dirs */
	assert_int_equal(ksm_knob_dirs(knob("smart_scan")), KNOB_IN_KSM);
	assert_string_equal(ksm_knob_dir_path(KNOB_DIR_UKSM), "sys/kernel/mm/uksm");
	assert_int_equal(ksm_knob_dir_on(knob("run"), KNOB_IN_UKSM), KNOB_DIR_UKSM);
	assert_int_equal(ksm_knob_dir_on(knob("run"), 0), KNOB_DIR_KSM);
	assert_int_equal(ksm_knob_dir_on(knob("smart_scan"), KNOB_IN_UKSM), -1);
	assert_int_equal(ksm_knob_dir_on(knob("cpu_governor"), KNOB_IN_KSM), -1);
	/* the help says what differs */
	assert_non_null(strstr(ksm_knob_help(knob("run"), KNOB_IN_UKSM), "no unmerge"));
	assert_non_null(strstr(ksm_knob_help(knob("run"), KNOB_IN_KSM), "unmerges"));
	assert_false(ksm_knob_writable(knob("sleep_times")));
	assert_true(ksm_knob_writable(knob("cpu_ratios")));
}

/* ---- parse rules --------------------------------------------------------- */

struct verdict {
	const char *knob, *in;
	int err;		/* the kernel's verdict */
};

static void test_kernel_verdicts(void **state)
{
	static const struct verdict v[] = {
		/* cpu_governor_store: strncmp against each name */
		{ "cpu_governor", "full", 0 }, { "cpu_governor", "quiet\n", 0 },
		{ "cpu_governor", "fullest", 0 }, { "cpu_governor", "low-ish", 0 },
		{ "cpu_governor", "Full", -EINVAL }, { "cpu_governor", " full", -EINVAL },
		{ "cpu_governor", "", -EINVAL }, { "cpu_governor", "[full]", -EINVAL },
		/* max_cpu_percentage: kstrtoul, > 100 refused */
		{ "max_cpu_percentage", "0", 0 }, { "max_cpu_percentage", "100", 0 },
		{ "max_cpu_percentage", "101", -EINVAL },
		{ "abundant_threshold", "99", 0 }, { "abundant_threshold", "100", -EINVAL },
		{ "thrash_threshold", "0\n", 0 }, { "thrash_threshold", "-1", -EINVAL },
		/* cpu_ratios: four, one space apart, N or MAX/N in 1..10000 */
		{ "cpu_ratios", "20 40 MAX/4 MAX/1", 0 },
		{ "cpu_ratios", "20 40 MAX/4 MAX/1\n", 0 },
		{ "cpu_ratios", "1 10000 MAX/10000 MAX/1", 0 },
		{ "cpu_ratios", "0 40 MAX/4 MAX/1", -EINVAL },
		{ "cpu_ratios", "20 10001 MAX/4 MAX/1", -EINVAL },
		{ "cpu_ratios", "20 40 MAX/0 MAX/1", -EINVAL },
		{ "cpu_ratios", "20 40 MAX/10001 MAX/1", -EINVAL },
		{ "cpu_ratios", "20 40 MAX/4", -EINVAL },
		{ "cpu_ratios", "20  40 MAX/4 MAX/1", -EINVAL },
		{ "cpu_ratios", "20 40 MAX/4 MAX/1 ", -EINVAL },
		{ "cpu_ratios", "20 40 MAX/4 MAX/1 5", -EINVAL },
		{ "cpu_ratios", "20 40 max/4 MAX/1", -EINVAL },
		/* "MAX/" anywhere, the number after the first '/' */
		{ "cpu_ratios", "20 40 xMAX/4 MAX/1", 0 },
		/* eval_intervals: four kstrtoul values */
		{ "eval_intervals", "1000 500 200 50", 0 },
		{ "eval_intervals", "0 0 0 0\n", 0 },
		{ "eval_intervals", "1000 500 200", -EINVAL },
		{ "eval_intervals", "1000 500 200 -1", -EINVAL },
		{ "eval_intervals", "1000 500 200 MAX/2", -EINVAL },
		{ "eval_intervals", "1000 500 200 18446744073709551616", -EINVAL },
	};

	(void)state;
	for (size_t i = 0; i < TU_ARRAY_SIZE(v); i++) {
		int got = ksm_knob_kernel_verdict(knob(v[i].knob), v[i].in);

		if (got != v[i].err)
			fail_msg("%s '%s': %d, want %d", v[i].knob, v[i].in, got,
				 v[i].err);
	}
}

static void test_parse_input_uksm(void **state)
{
	const struct ksm_knob *gov = knob("cpu_governor");
	struct ksm_refusal why;
	struct ksm_value v;
	char canon[96];

	(void)state;
	/* the kernel reads "fullest" as full; ksmctl does not */
	assert_int_equal(ksm_knob_parse_input_on(gov, KNOB_IN_UKSM, "fullest", &v,
						 canon, sizeof(canon), &why), -EDOM);
	assert_non_null(strstr(why.why, "read it as full"));
	assert_int_equal(ksm_knob_parse_input_on(gov, KNOB_IN_UKSM, "low\n", &v,
						 canon, sizeof(canon), &why), 0);
	assert_string_equal(canon, "low");
	assert_int_equal(v.u, 2);

	/* UKSM's run has no 2, its sleep no more than a second */
	assert_int_equal(ksm_knob_parse_input_on(knob("run"), KNOB_IN_UKSM, "2", &v,
						 canon, sizeof(canon), &why), -EINVAL);
	assert_non_null(strstr(why.why, "0 (stop) or 1 (merge)"));
	assert_non_null(strstr(why.why, "no unmerge mode"));
	assert_int_equal(ksm_knob_parse_input(knob("run"), "2", &v, canon,
					      sizeof(canon), &why), 0);
	assert_int_equal(ksm_knob_parse_input_on(knob("sleep_millisecs"),
						 KNOB_IN_UKSM, "1001", &v, canon,
						 sizeof(canon), &why), -EINVAL);
	assert_non_null(strstr(why.why, "from 0 to 1000"));
	assert_int_equal(ksm_knob_parse_input_on(knob("sleep_millisecs"),
						 KNOB_IN_UKSM, "1000", &v, canon,
						 sizeof(canon), &why), 0);
	assert_int_equal(ksm_knob_parse_input_on(knob("sleep_millisecs"),
						 KNOB_IN_KSM, "5000", &v, canon,
						 sizeof(canon), &why), 0);

	/* max_cpu_percentage: the kernel takes 0..100 and bends 0..9, 100 */
	assert_int_equal(ksm_knob_parse_input(knob("max_cpu_percentage"), "5", &v,
					      canon, sizeof(canon), &why), -EDOM);
	assert_non_null(strstr(why.why, "from 10 to 99"));
	assert_int_equal(ksm_knob_parse_input(knob("max_cpu_percentage"), "100", &v,
					      canon, sizeof(canon), &why), -EDOM);

	/* ratios: canonical text is what the kernel will show */
	assert_int_equal(ksm_knob_parse_input(knob("cpu_ratios"),
					      "+10 20 MAX/300 MAX/1\n", &v, canon,
					      sizeof(canon), &why), 0);
	assert_string_equal(canon, "10 20 MAX/303 MAX/1");
	assert_int_equal(v.list[2], -33);
	assert_int_equal(ksm_knob_parse_input(knob("cpu_ratios"),
					      "10\n 20 MAX/3 MAX/1", &v, canon,
					      sizeof(canon), &why), -EDOM);
	assert_int_equal(ksm_knob_parse_input(knob("cpu_ratios"), "1 2 3", &v,
					      canon, sizeof(canon), &why), -EINVAL);
	assert_non_null(strstr(why.why, "MAX/N"));
	/* intervals: the kernel keeps 32 bits of each */
	assert_int_equal(ksm_knob_parse_input(knob("eval_intervals"),
					      "1 2 3 4294967295", &v, canon,
					      sizeof(canon), &why), 0);
	assert_string_equal(canon, "1 2 3 4294967295");
	assert_int_equal(ksm_knob_parse_input(knob("eval_intervals"),
					      "1 2 3 4294967296", &v, canon,
					      sizeof(canon), &why), -EDOM);
	assert_non_null(strstr(why.why, "32 bits"));
}

static void test_parse_shown_uksm(void **state)
{
	struct ksm_value v, w;
	char text[96];

	(void)state;
	assert_int_equal(ksm_knob_parse_shown(knob("cpu_governor"),
					      "full medium [low] quiet \n", &v), 0);
	assert_int_equal(v.u, 2);
	assert_int_equal(ksm_knob_parse_shown(knob("cpu_ratios"),
					      "20 40 MAX/4 MAX/1 \n", &v), 0);
	assert_int_equal(v.list[0], 20);
	assert_int_equal(v.list[2], -2500);
	assert_int_equal(v.list[3], -10000);
	ksm_knob_format(knob("cpu_ratios"), &v, text, sizeof(text));
	assert_string_equal(text, "20 40 MAX/4 MAX/1");
	/* written MAX/300 (kept as -33) reads back MAX/303: the same value */
	assert_int_equal(ksm_knob_parse_shown(knob("cpu_ratios"),
					      "20 40 MAX/303 MAX/1 \n", &w), 0);
	assert_int_equal(w.list[2], -33);
	assert_int_equal(ksm_knob_parse_shown(knob("cpu_ratios"), "20 40 MAX/4\n",
					      &v), -EINVAL);
	assert_int_equal(ksm_knob_parse_shown(knob("cpu_ratios"),
					      "20 40 MAX/4 MAX/1 9\n", &v), -EINVAL);
	assert_int_equal(ksm_knob_parse_shown(knob("cpu_ratios"),
					      "20 40 MAX/0 MAX/1\n", &v), -EINVAL);
	assert_int_equal(ksm_knob_parse_shown(knob("eval_intervals"),
					      "1000 500 200 50 \n", &v), 0);
	ksm_knob_format(knob("eval_intervals"), &v, text, sizeof(text));
	assert_string_equal(text, "1000 500 200 50");

	/* pages_scanned beyond 64 bits */
	assert_int_equal(ksm_knob_parse_shown(knob("pages_scanned"),
					      "9007199254740993 * 2^11\n", &v), 0);
	assert_int_equal(v.mant, 9007199254740993ULL);
	assert_int_equal(v.shift, 11);
	assert_true(v.u == ~0ULL);	/* saturated */
	ksm_knob_format(knob("pages_scanned"), &v, text, sizeof(text));
	assert_string_equal(text, "9007199254740993 * 2^11");
	/* a small one still fits */
	assert_int_equal(ksm_knob_parse_shown(knob("pages_scanned"), "3 * 2^4\n", &v), 0);
	assert_int_equal(v.u, 48);
	assert_int_equal(ksm_knob_parse_shown(knob("pages_scanned"), "123\n", &w), 0);
	assert_int_equal(w.u, 123);
	assert_int_equal(w.shift, 0);
	assert_false(ksm_value_equal(knob("pages_scanned"), &v, &w));
	assert_int_equal(ksm_knob_parse_shown(knob("pages_scanned"), "3 * 2^\n", &v),
			 -EINVAL);
	/* only pages_scanned is ever shown so */
	assert_int_equal(ksm_knob_parse_shown(knob("pages_shared"), "3 * 2^4\n", &v),
			 -EINVAL);
}

/* ---- a UKSM tree --------------------------------------------------------- */

#define UKSM "sys/kernel/mm/uksm/"

static const struct {
	const char *name, *shown;
} uksm_files[] = {
	{ "run", "1\n" },
	{ "sleep_millisecs", "100\n" },
	{ "cpu_governor", "[full] medium low quiet \n" },
	{ "max_cpu_percentage", "95\n" },
	{ "cpu_ratios", "20 40 MAX/4 MAX/1 \n" },
	{ "eval_intervals", "1000 500 200 50 \n" },
	{ "abundant_threshold", "10\n" },
	{ "thrash_threshold", "50\n" },
	{ "ema_per_page_time", "1480\n" },
	{ "hash_strength", "12\n" },
	{ "sleep_times", "4321\n" },
	{ "pages_shared", "10\n" },
	{ "pages_sharing", "300\n" },
	{ "pages_unshared", "2000\n" },
	{ "full_scans", "7\n" },
	{ "pages_scanned", "1 * 2^70\n" },
};

struct tree {
	char *dir;
	struct ksm_root *root;
	struct ksm_sample s;
};

static int setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	char path[128];

	t->dir = tu_mkroot();
	for (size_t i = 0; i < TU_ARRAY_SIZE(uksm_files); i++) {
		snprintf(path, sizeof(path), UKSM "%s", uksm_files[i].name);
		tu_write(t->dir, path, uksm_files[i].shown);
	}
	tu_write(t->dir, UKSM "uksm_new_knob", "1\n");
	tu_write(t->dir, "proc/meminfo",
		 "MemTotal: 1000000 kB\nMemAvailable: 500000 kB\nKsmZeroPages: 4096 kB\n");
	assert_int_equal(ksm_root_open(&t->root, t->dir), 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tree *t = *state;

	ksm_root_close(t->root);
	tu_rmtree(t->dir);
	free(t->dir);
	free(t);
	return 0;
}

static void test_sample_uksm(void **state)
{
	struct tree *t = *state;
	struct ksm_sample *s = &t->s;

	assert_int_equal(ksm_sample_read(t->root, s), 0);
	assert_int_equal(s->dirs, KNOB_IN_UKSM);
	assert_true(ksm_sample_is_uksm(s));
	assert_int_equal(ksm_u(s, KSM_RUN), 1);
	assert_int_equal(ksm_u(s, KSM_PAGES_SHARING), 300);
	assert_int_equal(ksm_u(s, KSM_UKSM_CPU_GOVERNOR), 0);
	assert_int_equal(s->v[KSM_PAGES_SCANNED].shift, 70);
	/* KsmZeroPages 4096 kB in pages */
	assert_true(ksm_has(s, KSM_ZERO_PAGES));
	assert_int_equal(ksm_u(s, KSM_ZERO_PAGES), 4096 * 1024 / s->page_size);
	/* mainline files are absent, not errors */
	assert_int_equal(s->v[KSM_SMART_SCAN].err, -ENOENT);
	assert_int_equal(s->v[KSM_PAGES_TO_SCAN].err, -ENOENT);
	/* files the table does not know are noted */
	assert_int_equal(s->unknown_count, 1);
	assert_string_equal(s->unknown[0], "uksm_new_knob");
}

static void test_no_ksm_at_all(void **state)
{
	char *dir = tu_mkroot();
	struct ksm_root *root;
	struct ksm_sample s;

	(void)state;
	tu_mkdirs(dir, "sys/kernel/mm");
	assert_int_equal(ksm_root_open(&root, dir), 0);
	assert_int_equal(ksm_sample_read(root, &s), -ENOENT);
	assert_int_equal(ksm_root_knob_dirs(root), 0);
	ksm_root_close(root);
	tu_rmtree(dir);
	free(dir);
}

static int plan(struct tree *t, struct ksm_txn *x, struct ksm_refusal *why)
{
	assert_int_equal(ksm_sample_read(t->root, &t->s), 0);
	return ksm_txn_plan(x, t->root, &t->s, why, NULL);
}

static void test_txn_uksm(void **state)
{
	struct tree *t = *state;
	struct ksm_refusal why = { "" };
	struct ksm_value two = { .u = 2, .s = 2 };
	struct ksm_txn x;

	/* the names parse with UKSM's rules */
	ksm_txn_init(&x, TXN_ALLOW_UNMERGE);
	x.dirs = KNOB_IN_UKSM;
	assert_int_equal(ksm_txn_add(&x, "run", "2", &why), -EINVAL);
	/* a computed value gets the same refusal from the plan */
	ksm_txn_init(&x, TXN_ALLOW_UNMERGE);
	ksm_txn_add_value(&x, KSM_RUN, &two);
	assert_int_equal(plan(t, &x, &why), -EINVAL);
	assert_non_null(strstr(why.why, "no unmerge"));

	/* a mainline knob on UKSM */
	ksm_txn_init(&x, 0);
	assert_int_equal(ksm_txn_add(&x, "smart_scan", "1", &why), 0);
	assert_int_equal(plan(t, &x, &why), -ENOENT);
	assert_non_null(strstr(why.why, "UKSM"));

	/* cpu_governor first: it resets the knobs written after it */
	ksm_txn_init(&x, 0);
	x.dirs = KNOB_IN_UKSM;
	assert_int_equal(ksm_txn_add(&x, "cpu_ratios", "10 20 MAX/300 MAX/1", &why), 0);
	assert_int_equal(ksm_txn_add(&x, "max_cpu_percentage", "40", &why), 0);
	assert_int_equal(ksm_txn_add(&x, "cpu_governor", "low", &why), 0);
	assert_int_equal(plan(t, &x, &why), 0);
	assert_ptr_equal(x.steps[0].knob, knob("cpu_governor"));
	assert_int_equal(ksm_txn_apply(&x, t->root), 0);
	assert_string_equal(tu_read(t->dir, UKSM "cpu_governor"), "low");
	assert_string_equal(tu_read(t->dir, UKSM "cpu_ratios"), "10 20 MAX/303 MAX/1");
	assert_string_equal(tu_read(t->dir, UKSM "max_cpu_percentage"), "40");

	/* the same preset again is still written: it reloads the preset */
	tu_write(t->dir, UKSM "cpu_governor", "full medium [low] quiet \n");
	ksm_txn_init(&x, 0);
	assert_int_equal(ksm_txn_add(&x, "cpu_governor", "low", &why), 0);
	assert_int_equal(plan(t, &x, &why), 0);
	assert_int_equal(x.steps[0].state, STEP_PLANNED);
	assert_int_equal(ksm_txn_apply(&x, t->root), 0);
	assert_int_equal(x.steps[0].state, STEP_DONE);
	/* other knobs still skip an unchanged value */
	ksm_txn_init(&x, 0);
	assert_int_equal(ksm_txn_add(&x, "thrash_threshold", "50", &why), 0);
	assert_int_equal(plan(t, &x, &why), 0);
	assert_int_equal(x.steps[0].state, STEP_UNCHANGED);
}

/* UKSM keeps sleep_millisecs in jiffies: 10 reads back 12 at HZ=250. */
static void test_sleep_rounded(void **state)
{
	const struct ksm_knob *k = knob("sleep_millisecs");
	struct ksm_value ten = { .u = 10, .s = 10 }, seen = { .u = 12, .s = 12 };

	(void)state;
	assert_true(ksm_value_kept(k, KNOB_DIR_UKSM, &ten, &seen));
	assert_false(ksm_value_kept(k, KNOB_DIR_KSM, &ten, &seen));
	seen.u = seen.s = 19;	/* HZ=100: at most 9 ms more */
	assert_true(ksm_value_kept(k, KNOB_DIR_UKSM, &ten, &seen));
	seen.u = seen.s = 20;
	assert_false(ksm_value_kept(k, KNOB_DIR_UKSM, &ten, &seen));
	seen.u = seen.s = 8;	/* never rounded down */
	assert_false(ksm_value_kept(k, KNOB_DIR_UKSM, &ten, &seen));
	seen.u = seen.s = 10;
	assert_true(ksm_value_kept(k, KNOB_DIR_KSM, &ten, &seen));
	/* only sleep_millisecs */
	seen.u = seen.s = 12;
	assert_false(ksm_value_kept(knob("thrash_threshold"), KNOB_DIR_UKSM,
				    &ten, &seen));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_dirs),
		cmocka_unit_test(test_kernel_verdicts),
		cmocka_unit_test(test_parse_input_uksm),
		cmocka_unit_test(test_parse_shown_uksm),
		cmocka_unit_test_setup_teardown(test_sample_uksm, setup, teardown),
		cmocka_unit_test(test_no_ksm_at_all),
		cmocka_unit_test_setup_teardown(test_txn_uksm, setup, teardown),
		cmocka_unit_test(test_sleep_rounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
