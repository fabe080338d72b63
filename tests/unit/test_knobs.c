// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The knob table and its parse rules.  The expected verdicts come from
 * the stores in mm/ksm.c (6.12): which kstrto*() each one calls, whether
 * it returns the parse error as is (merge_across_nodes, max_page_sharing:
 * ERANGE on overflow) or turns it into EINVAL (all others), and its range
 * check.  On top, ksmctl's own refusals (-EDOM) of values the kernel
 * takes but that make no sense.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/knobs.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* In /sys/kernel/mm/ksm (the table also has UKSM's files). */
static bool in_ksm(const struct ksm_knob *k)
{
	return ksm_knob_dirs(k) & KNOB_IN_KSM;
}

static const struct ksm_knob *knob(const char *name)
{
	const struct ksm_knob *k = ksm_knob_find(name);

	if (!k)
		fail_msg("knob %s missing from the table", name);
	return k;
}

/* ---- the table -------------------------------------------------------- */

/* Every file of /sys/kernel/mm/ksm, 2.6.32 to 6.18, with its version. */
static const struct {
	const char *name;
	bool writable;
	unsigned int since;
} expected_files[] = {
	{ "run", true, KSM_VERSION(2, 6, 32) },
	{ "pages_to_scan", true, KSM_VERSION(2, 6, 32) },
	{ "sleep_millisecs", true, KSM_VERSION(2, 6, 32) },
	{ "max_kernel_pages", true, KSM_VERSION(2, 6, 32) },
	{ "merge_across_nodes", true, KSM_VERSION(3, 9, 0) },
	{ "use_zero_pages", true, KSM_VERSION(4, 11, 0) },
	{ "max_page_sharing", true, KSM_VERSION(4, 13, 0) },
	{ "stable_node_chains_prune_millisecs", true, KSM_VERSION(4, 13, 0) },
	{ "smart_scan", true, KSM_VERSION(6, 7, 0) },
	{ "advisor_mode", true, KSM_VERSION(6, 8, 0) },
	{ "advisor_max_cpu", true, KSM_VERSION(6, 8, 0) },
	{ "advisor_min_pages_to_scan", true, KSM_VERSION(6, 8, 0) },
	{ "advisor_max_pages_to_scan", true, KSM_VERSION(6, 8, 0) },
	{ "advisor_target_scan_time", true, KSM_VERSION(6, 8, 0) },
	{ "pages_shared", false, KSM_VERSION(2, 6, 32) },
	{ "pages_sharing", false, KSM_VERSION(2, 6, 32) },
	{ "pages_unshared", false, KSM_VERSION(2, 6, 32) },
	{ "pages_volatile", false, KSM_VERSION(2, 6, 32) },
	{ "full_scans", false, KSM_VERSION(2, 6, 32) },
	{ "stable_node_chains", false, KSM_VERSION(4, 13, 0) },
	{ "stable_node_dups", false, KSM_VERSION(4, 13, 0) },
	{ "general_profit", false, KSM_VERSION(6, 4, 0) },
	{ "ksm_zero_pages", false, KSM_VERSION(6, 5, 0) },
	{ "pages_scanned", false, KSM_VERSION(6, 6, 0) },
	{ "pages_skipped", false, KSM_VERSION(6, 7, 0) },
	/* kernel-patch/: the CPU-target advisor */
	{ "advisor_target_cpu", true, KSM_VERSION(6, 12, 0) },
};

static void test_table_complete(void **state)
{
	size_t in_ksm_dir = 0;

	(void)state;
	for (int i = 0; i < KSM_KNOB_COUNT; i++)
		in_ksm_dir += in_ksm(&ksm_knobs[i]);
	assert_int_equal(in_ksm_dir, ARRAY_SIZE(expected_files));
	for (size_t i = 0; i < ARRAY_SIZE(expected_files); i++) {
		const struct ksm_knob *k = knob(expected_files[i].name);

		if (!in_ksm(k))
			fail_msg("%s: not in %s", k->name, KSM_SYSFS_DIR);

		if (ksm_knob_writable(k) != expected_files[i].writable)
			fail_msg("%s: writable %d", k->name, ksm_knob_writable(k));
		if (k->since != expected_files[i].since)
			fail_msg("%s: since %#x, want %#x", k->name, k->since,
				 expected_files[i].since);
	}
	assert_null(ksm_knob_find("nonexistent"));
	assert_null(ksm_knob_find(""));
	assert_null(ksm_knob_find("RUN"));
	assert_null(ksm_knob_find("run\n"));
	/* only max_kernel_pages is gone (2.6.32 only) */
	for (int i = 0; i < KSM_KNOB_COUNT; i++)
		if (in_ksm(&ksm_knobs[i]))
			assert_int_equal(ksm_knobs[i].until,
					 i == KSM_MAX_KERNEL_PAGES ?
					 KSM_VERSION(2, 6, 33) : 0);
}

static void test_table_consistent(void **state)
{
	(void)state;
	for (int i = 0; i < KSM_KNOB_COUNT; i++) {
		const struct ksm_knob *k = &ksm_knobs[i];

		assert_non_null(k->name);
		assert_non_null(k->help);
		assert_true(strlen(k->help) > 10);
		assert_ptr_equal(ksm_knob_find(k->name), k);
		assert_int_equal(ksm_knob_id(k), i);
		assert_true(k->group < GROUP_COUNT);
		assert_non_null(ksm_group_name(k->group));
		assert_non_null(ksm_unit_name(k->unit));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(ksm_knobs[j].name, k->name);
		/* read-only files of KSM are exactly the counters */
		if (in_ksm(k))
			assert_int_equal(!ksm_knob_writable(k),
					 k->kind == KNOB_COUNTER ||
					 k->kind == KNOB_SCOUNTER);
		if (k->kind == KNOB_MODE) {
			assert_non_null(k->modes);
			assert_non_null(k->modes[0]);
		}
		/* ksmctl only narrows the kernel's range */
		assert_true(ksm_knob_min(k) >= k->kernel_min);
		assert_true(ksm_knob_max(k) <= k->kernel_max);
		assert_true(ksm_knob_min(k) <= ksm_knob_max(k));
		if (k->sane_min || k->sane_max)
			assert_non_null(k->sane_why);
	}
	assert_string_equal(ksm_group_name(GROUP_ADVISOR), "advisor");
	assert_string_equal(ksm_unit_name(UNIT_PERCENT), "%");
}

static void test_table_flags(void **state)
{
	(void)state;
	/* EBUSY while pages are shared: exactly these two */
	for (int i = 0; i < KSM_KNOB_COUNT; i++) {
		if (!in_ksm(&ksm_knobs[i]))
			continue;
		bool unmerge = i == KSM_MERGE_ACROSS_NODES ||
			       i == KSM_MAX_PAGE_SHARING;
		bool errno_as_is = unmerge;

		assert_int_equal(!!(ksm_knobs[i].flags & KNOB_NEEDS_UNMERGE), unmerge);
		assert_int_equal(!!(ksm_knobs[i].flags & KNOB_PARSE_ERRNO),
				 errno_as_is);
		assert_int_equal(!!(ksm_knobs[i].flags & KNOB_ADVISOR_OWNED),
				 i == KSM_PAGES_TO_SCAN);
		assert_int_equal(!!(ksm_knobs[i].flags & KNOB_NUMA_ONLY),
				 i == KSM_MERGE_ACROSS_NODES);
	}
	assert_int_equal(ksm_knob_min(knob("advisor_max_cpu")), 1);
	assert_int_equal(ksm_knob_max(knob("advisor_max_cpu")), 100);
	assert_int_equal(ksm_knob_min(knob("advisor_max_pages_to_scan")), 1);
	assert_int_equal(ksm_knob_min(knob("advisor_target_scan_time")), 1);
	assert_int_equal(ksm_knob_min(knob("max_page_sharing")), 2);
	assert_int_equal(ksm_knob_max(knob("max_page_sharing")), INT_MAX);
	assert_int_equal(ksm_knob_max(knob("run")), 2);
	assert_int_equal(ksm_knob_max(knob("pages_to_scan")), UINT_MAX);
	assert_true(ksm_knob_max(knob("advisor_min_pages_to_scan")) == ULONG_MAX);
	assert_int_equal(ksm_knob_max(knob("merge_across_nodes")), 1);
}

/* ---- the kernel's verdict, per knob ------------------------------------ */

struct verdict {
	const char *knob, *in;
	int err;
};

static const struct verdict verdicts[] = {
	/* run: kstrtouint, every error EINVAL, > 2 EINVAL */
	{ "run", "0", 0 }, { "run", "1", 0 }, { "run", "2", 0 },
	{ "run", "+1", 0 }, { "run", "1\n", 0 }, { "run", "+2\n", 0 },
	{ "run", "3", -EINVAL }, { "run", "4294967295", -EINVAL },
	{ "run", "4294967296", -EINVAL }, { "run", "-1", -EINVAL },
	{ "run", "-0", -EINVAL }, { "run", "1\n\n", -EINVAL },
	{ "run", "0x1", -EINVAL }, { "run", " 1", -EINVAL },
	{ "run", "1 ", -EINVAL }, { "run", "", -EINVAL }, { "run", "on", -EINVAL },
	/* pages_to_scan, sleep_millisecs, prune: kstrtouint, EINVAL */
	{ "pages_to_scan", "0", 0 }, { "pages_to_scan", "4294967295", 0 },
	{ "pages_to_scan", "4294967296", -EINVAL },
	{ "pages_to_scan", "18446744073709551616", -EINVAL },
	{ "pages_to_scan", "-5", -EINVAL }, { "pages_to_scan", "0x10", -EINVAL },
	{ "sleep_millisecs", "0", 0 }, { "sleep_millisecs", "+20\n", 0 },
	{ "sleep_millisecs", "4294967296", -EINVAL },
	{ "sleep_millisecs", "20\n\n", -EINVAL },
	{ "stable_node_chains_prune_millisecs", "4294967295", 0 },
	{ "stable_node_chains_prune_millisecs", "4294967296", -EINVAL },
	/* merge_across_nodes: kstrtoul, the error as is, > 1 EINVAL */
	{ "merge_across_nodes", "0", 0 }, { "merge_across_nodes", "1\n", 0 },
	{ "merge_across_nodes", "+1", 0 }, { "merge_across_nodes", "2", -EINVAL },
	{ "merge_across_nodes", "18446744073709551615", -EINVAL },
	{ "merge_across_nodes", "18446744073709551616", -ERANGE },
	{ "merge_across_nodes", "99999999999999999999\n", -ERANGE },
	{ "merge_across_nodes", "-1", -EINVAL },
	{ "merge_across_nodes", "1\n\n", -EINVAL },
	{ "merge_across_nodes", "0x1", -EINVAL },
	{ "merge_across_nodes", "yes", -EINVAL },
	/* max_page_sharing: kstrtoint, the error as is, < 2 EINVAL */
	{ "max_page_sharing", "2", 0 }, { "max_page_sharing", "256\n", 0 },
	{ "max_page_sharing", "+2147483647", 0 },
	{ "max_page_sharing", "2147483648", -ERANGE },
	{ "max_page_sharing", "4294967298", -ERANGE },
	{ "max_page_sharing", "99999999999999999999", -ERANGE },
	{ "max_page_sharing", "1", -EINVAL }, { "max_page_sharing", "0", -EINVAL },
	{ "max_page_sharing", "-0", -EINVAL }, { "max_page_sharing", "-2", -EINVAL },
	{ "max_page_sharing", "-2147483648", -EINVAL },
	{ "max_page_sharing", "-2147483649", -ERANGE },
	{ "max_page_sharing", "256\n\n", -EINVAL },
	{ "max_page_sharing", " 256", -EINVAL },
	{ "max_page_sharing", "0x100", -EINVAL },
	{ "max_page_sharing", "", -EINVAL },
	/* booleans: kstrtobool's first character */
	{ "use_zero_pages", "1", 0 }, { "use_zero_pages", "yellow", 0 },
	{ "use_zero_pages", "on", 0 }, { "use_zero_pages", "of", 0 },
	{ "use_zero_pages", "o", -EINVAL }, { "use_zero_pages", "2", -EINVAL },
	{ "use_zero_pages", "", -EINVAL }, { "use_zero_pages", " 1", -EINVAL },
	{ "smart_scan", "N", 0 }, { "smart_scan", "true\n\n", 0 },
	{ "smart_scan", "x", -EINVAL }, { "smart_scan", "\n", -EINVAL },
	/* advisor_mode: sysfs_streq, exact */
	{ "advisor_mode", "none", 0 }, { "advisor_mode", "scan-time", 0 },
	{ "advisor_mode", "none\n", 0 }, { "advisor_mode", "scan-time\n", 0 },
	{ "advisor_mode", "None", -EINVAL }, { "advisor_mode", " none", -EINVAL },
	{ "advisor_mode", "none ", -EINVAL }, { "advisor_mode", "[none]", -EINVAL },
	{ "advisor_mode", "none\n\n", -EINVAL },
	{ "advisor_mode", "scan_time", -EINVAL },
	{ "advisor_mode", "scan", -EINVAL }, { "advisor_mode", "", -EINVAL },
	{ "advisor_mode", "0", -EINVAL },
	/* advisor_*: kstrtoul, EINVAL, no range check but target >= 1 */
	{ "advisor_max_cpu", "0", 0 }, { "advisor_max_cpu", "101", 0 },
	{ "advisor_max_cpu", "4294967297", 0 },
	{ "advisor_max_cpu", "18446744073709551615", 0 },
	{ "advisor_max_cpu", "18446744073709551616", -EINVAL },
	{ "advisor_max_cpu", "-1", -EINVAL },
	{ "advisor_min_pages_to_scan", "0", 0 },
	{ "advisor_min_pages_to_scan", "18446744073709551616", -EINVAL },
	{ "advisor_max_pages_to_scan", "0", 0 },
	{ "advisor_max_pages_to_scan", "18446744073709551615\n", 0 },
	{ "advisor_target_scan_time", "0", -EINVAL },
	{ "advisor_target_scan_time", "+0\n", -EINVAL },
	{ "advisor_target_scan_time", "1", 0 },
	{ "advisor_target_scan_time", "18446744073709551616", -EINVAL },
	{ "max_kernel_pages", "0", 0 },
	/* counters: the open for writing fails */
	{ "pages_shared", "0", -EACCES }, { "general_profit", "0", -EACCES },
	{ "full_scans", "0", -EACCES },
};

static void test_kernel_verdicts(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(verdicts); i++) {
		const struct verdict *v = &verdicts[i];
		int err = ksm_knob_kernel_verdict(knob(v->knob), v->in);

		if (err != v->err)
			fail_msg("%s \"%s\": kernel verdict %d, want %d", v->knob,
				 v->in, err, v->err);
	}
}

/* "n + 1" on a decimal string, so ULONG_MAX + 1 can be written down. */
static void decimal_plus_one(unsigned long long n, char *buf, size_t size)
{
	char tmp[32];
	int len = snprintf(tmp, sizeof(tmp), "%llu", n), i = len - 1;

	while (i >= 0 && tmp[i] == '9')
		tmp[i--] = '0';
	if (i >= 0) {
		tmp[i]++;
		snprintf(buf, size, "%s", tmp);
	} else {
		snprintf(buf, size, "1%s", tmp);
	}
}

/* The largest value the store's kstrto*() can return without overflow. */
static unsigned long long parse_type_max(const struct ksm_knob *k)
{
	switch (k->kind) {
	case KNOB_UINT:
		return UINT_MAX;
	case KNOB_INT:
		return INT_MAX;
	default:
		return ULONG_MAX;
	}
}

/*
 * Every numeric knob: both ends of the kernel's range, one past each, and
 * every decoration rule (sign, newline, spaces, hex, negative, empty).
 */
static void test_numeric_boundaries(void **state)
{
	(void)state;
	for (int i = 0; i < KSM_KNOB_COUNT; i++) {
		const struct ksm_knob *k = &ksm_knobs[i];
		char lo[40], hi[40], past[40], buf[64];
		int overflow_err;

		if (!in_ksm(k) || (k->kind != KNOB_UINT &&
				   k->kind != KNOB_ULONG && k->kind != KNOB_INT))
			continue;
		snprintf(lo, sizeof(lo), "%llu", k->kernel_min);
		snprintf(hi, sizeof(hi), "%llu", k->kernel_max);
		decimal_plus_one(k->kernel_max, past, sizeof(past));

		static const struct {
			const char *fmt;
			bool ok;
		} deco[] = {
			{ "%s", true }, { "+%s", true }, { "%s\n", true },
			{ "+%s\n", true }, { "%s\n\n", false }, { " %s", false },
			{ "%s ", false }, { "\t%s", false }, { "%s\r", false },
			{ "%s\n ", false }, { "++%s", false }, { "%s.0", false },
			{ "0x%s", false }, { "%sx", false }, { "\n%s", false },
		};
		for (size_t d = 0; d < ARRAY_SIZE(deco); d++) {
			const char *ends[] = { lo, hi };

			for (size_t e = 0; e < 2; e++) {
				snprintf(buf, sizeof(buf), deco[d].fmt, ends[e]);
				if (ksm_knob_kernel_verdict(k, buf) !=
				    (deco[d].ok ? 0 : -EINVAL))
					fail_msg("%s \"%s\": verdict %d", k->name,
						 buf,
						 ksm_knob_kernel_verdict(k, buf));
			}
		}
		/* below the range */
		if (k->kernel_min > 0) {
			snprintf(buf, sizeof(buf), "%llu", k->kernel_min - 1);
			assert_int_equal(ksm_knob_kernel_verdict(k, buf), -EINVAL);
		}
		/*
		 * Past the top: a range check (EINVAL) when the parse type
		 * holds it, else a parse overflow, which only the two stores
		 * that pass the error on report as ERANGE.
		 */
		if (k->kernel_max < parse_type_max(k))
			overflow_err = -EINVAL;
		else
			overflow_err = (k->flags & KNOB_PARSE_ERRNO) ? -ERANGE :
								       -EINVAL;
		if (ksm_knob_kernel_verdict(k, past) != overflow_err)
			fail_msg("%s \"%s\": verdict %d, want %d", k->name, past,
				 ksm_knob_kernel_verdict(k, past), overflow_err);
		assert_int_equal(ksm_knob_kernel_verdict(k, "18446744073709551616"),
				 (k->flags & KNOB_PARSE_ERRNO) ? -ERANGE : -EINVAL);
		/* negative numbers and empty strings */
		assert_int_equal(ksm_knob_kernel_verdict(k, "-1"), -EINVAL);
		assert_int_equal(ksm_knob_kernel_verdict(k, "-0"), -EINVAL);
		assert_int_equal(ksm_knob_kernel_verdict(k, ""), -EINVAL);
		assert_int_equal(ksm_knob_kernel_verdict(k, "\n"), -EINVAL);
		assert_int_equal(ksm_knob_kernel_verdict(k, "+"), -EINVAL);
		assert_int_equal(ksm_knob_kernel_verdict(k, "0x10"), -EINVAL);
	}
}

/* ---- what ksmctl accepts ----------------------------------------------- */

struct input {
	const char *knob, *in;
	int err;
	const char *canonical;	/* when err == 0 */
};

static const struct input inputs[] = {
	/* canonical form: sign and newline gone */
	{ "run", "+1\n", 0, "1" },
	{ "run", "0", 0, "0" },
	{ "run", "2", 0, "2" },		/* refused later, by the transaction */
	{ "run", "3", -EINVAL, NULL },
	{ "pages_to_scan", "0100", 0, "100" },
	{ "pages_to_scan", "4294967295\n", 0, "4294967295" },
	{ "pages_to_scan", "4294967296", -EINVAL, NULL },
	{ "merge_across_nodes", "18446744073709551616", -ERANGE, NULL },
	{ "merge_across_nodes", "2", -EINVAL, NULL },
	{ "max_page_sharing", "+256\n", 0, "256" },
	{ "max_page_sharing", "2147483647", 0, "2147483647" },
	{ "max_page_sharing", "2147483648", -ERANGE, NULL },
	{ "max_page_sharing", "1", -EINVAL, NULL },
	{ "max_page_sharing", "-5", -EINVAL, NULL },
	/* booleans: the words ksmctl documents, any case */
	{ "use_zero_pages", "1", 0, "1" }, { "use_zero_pages", "0", 0, "0" },
	{ "use_zero_pages", "y", 0, "1" }, { "use_zero_pages", "n", 0, "0" },
	{ "use_zero_pages", "yes", 0, "1" }, { "use_zero_pages", "no", 0, "0" },
	{ "use_zero_pages", "on", 0, "1" }, { "use_zero_pages", "off", 0, "0" },
	{ "use_zero_pages", "true", 0, "1" },
	{ "use_zero_pages", "false", 0, "0" },
	{ "use_zero_pages", "t", 0, "1" }, { "use_zero_pages", "f", 0, "0" },
	{ "smart_scan", "YES", 0, "1" }, { "smart_scan", "Off", 0, "0" },
	{ "smart_scan", "True\n", 0, "1" }, { "smart_scan", "N", 0, "0" },
	/* ... and what the kernel reads by its first letter only */
	{ "use_zero_pages", "yellow", -EDOM, NULL },
	{ "use_zero_pages", "nope", -EDOM, NULL },
	{ "use_zero_pages", "10", -EDOM, NULL },
	{ "use_zero_pages", "of", -EDOM, NULL },
	{ "use_zero_pages", "yes\n\n", -EDOM, NULL },
	{ "use_zero_pages", "tru", -EDOM, NULL },
	{ "use_zero_pages", "falsehood", -EDOM, NULL },
	{ "smart_scan", "offset", -EDOM, NULL },
	{ "smart_scan", "o", -EINVAL, NULL },
	{ "smart_scan", "2", -EINVAL, NULL },
	{ "smart_scan", "", -EINVAL, NULL },
	{ "smart_scan", "enable", -EINVAL, NULL },
	{ "smart_scan", " yes", -EINVAL, NULL },
	/* advisor_mode: exact names */
	{ "advisor_mode", "scan-time\n", 0, "scan-time" },
	{ "advisor_mode", "none", 0, "none" },
	{ "advisor_mode", "Scan-Time", -EINVAL, NULL },
	{ "advisor_mode", "[none]", -EINVAL, NULL },
	/* nonsense the kernel would take */
	{ "advisor_max_cpu", "0", -EDOM, NULL },
	{ "advisor_max_cpu", "1", 0, "1" },
	{ "advisor_max_cpu", "100", 0, "100" },
	{ "advisor_max_cpu", "101", -EDOM, NULL },
	{ "advisor_max_cpu", "4294967297", -EDOM, NULL },
	{ "advisor_max_cpu", "18446744073709551615", -EDOM, NULL },
	{ "advisor_max_cpu", "18446744073709551616", -EINVAL, NULL },
	{ "advisor_max_pages_to_scan", "0", -EDOM, NULL },
	{ "advisor_max_pages_to_scan", "1", 0, "1" },
	{ "advisor_max_pages_to_scan", "18446744073709551615", 0,
	  "18446744073709551615" },
	{ "advisor_min_pages_to_scan", "0", 0, "0" },
	{ "advisor_target_scan_time", "0", -EINVAL, NULL },
	{ "advisor_target_scan_time", "1", 0, "1" },
	/* counters */
	{ "pages_sharing", "0", -EACCES, NULL },
	{ "ksm_zero_pages", "1", -EACCES, NULL },
};

static void test_parse_input(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(inputs); i++) {
		const struct input *c = &inputs[i];
		struct ksm_refusal why = { "" };
		struct ksm_value v;
		char canon[64] = "";
		int err = ksm_knob_parse_input(knob(c->knob), c->in, &v, canon,
					       sizeof(canon), &why);

		if (err != c->err)
			fail_msg("%s \"%s\": %d, want %d (%s)", c->knob, c->in,
				 err, c->err, why.why);
		if (!err && strcmp(canon, c->canonical))
			fail_msg("%s \"%s\": canonical \"%s\", want \"%s\"",
				 c->knob, c->in, canon, c->canonical);
		/* every refusal is explained, on one line */
		if (err && (!why.why[0] || strchr(why.why, '\n')))
			fail_msg("%s \"%s\": explanation \"%s\"", c->knob, c->in,
				 why.why);
	}
}

static void test_parse_input_bool_words(void **state)
{
	static const char *const on[] = { "1", "y", "yes", "on", "true", "t" };
	static const char *const off[] = { "0", "n", "no", "off", "false", "f" };

	(void)state;
	for (int i = 0; i < KSM_KNOB_COUNT; i++) {
		const struct ksm_knob *k = &ksm_knobs[i];

		if (k->kind != KNOB_BOOL || !in_ksm(k))
			continue;
		for (size_t w = 0; w < ARRAY_SIZE(on); w++) {
			const char *words[] = { on[w], off[w] };

			for (int b = 0; b < 2; b++) {
				char text[16], upper[16], canon[8];
				struct ksm_refusal why;
				struct ksm_value v;

				snprintf(text, sizeof(text), "%s\n", words[b]);
				for (size_t c = 0; c <= strlen(text); c++)
					upper[c] = (char)(text[c] >= 'a' && text[c] <= 'z' ?
						  text[c] - 32 : text[c]);
				assert_int_equal(ksm_knob_parse_input(k, words[b], &v,
						 canon, sizeof(canon), &why), 0);
				assert_int_equal(v.u, b == 0);
				assert_string_equal(canon, b == 0 ? "1" : "0");
				assert_int_equal(ksm_knob_parse_input(k, text, &v,
						 canon, sizeof(canon), &why), 0);
				assert_int_equal(ksm_knob_parse_input(k, upper, &v,
						 canon, sizeof(canon), &why), 0);
				assert_int_equal(v.u, b == 0);
			}
		}
	}
}

static void test_refusal_texts(void **state)
{
	struct ksm_refusal why;
	struct ksm_value v;
	char canon[64];

	(void)state;
	assert_int_equal(ksm_knob_parse_input(knob("advisor_max_cpu"), "0", &v,
					      canon, sizeof(canon), &why), -EDOM);
	assert_non_null(strstr(why.why, "from 1 to 100"));
	assert_non_null(strstr(why.why, "the kernel accepts it"));
	assert_non_null(strstr(why.why, "percentage"));

	assert_int_equal(ksm_knob_parse_input(knob("advisor_max_pages_to_scan"),
					      "0", &v, canon, sizeof(canon), &why),
			 -EDOM);
	assert_non_null(strstr(why.why, "stall"));

	assert_int_equal(ksm_knob_parse_input(knob("use_zero_pages"), "yellow",
					      &v, canon, sizeof(canon), &why), -EDOM);
	assert_non_null(strstr(why.why, "'yellow'"));
	assert_non_null(strstr(why.why, "would read it as 1"));

	assert_int_equal(ksm_knob_parse_input(knob("max_page_sharing"),
					      "2147483648", &v, canon,
					      sizeof(canon), &why), -ERANGE);
	assert_non_null(strstr(why.why, "ERANGE"));

	assert_int_equal(ksm_knob_parse_input(knob("run"), "0x1", &v, canon,
					      sizeof(canon), &why), -EINVAL);
	assert_non_null(strstr(why.why, "'0x1'"));
	assert_non_null(strstr(why.why, "EINVAL"));

	assert_int_equal(ksm_knob_parse_input(knob("advisor_mode"), "fast", &v,
					      canon, sizeof(canon), &why), -EINVAL);
	assert_non_null(strstr(why.why, "none, scan-time"));

	/* what the user typed is escaped: no terminal control reaches stderr */
	assert_int_equal(ksm_knob_parse_input(knob("run"), "\033[2J1\n\n", &v,
					      canon, sizeof(canon), &why), -EINVAL);
	assert_null(strchr(why.why, '\033'));
	assert_null(strchr(why.why, '\n'));
	assert_non_null(strstr(why.why, "\\x1b[2J1\\n\\n"));

	assert_int_equal(ksm_knob_parse_input(knob("pages_shared"), "0", &v,
					      canon, sizeof(canon), &why), -EACCES);
	assert_non_null(strstr(why.why, "read-only"));
}

/* parse -> format -> what the kernel would show -> parse: same value */
static void test_round_trip(void **state)
{
	(void)state;
	for (int i = 0; i < KSM_KNOB_COUNT; i++) {
		const struct ksm_knob *k = &ksm_knobs[i];
		unsigned long long ends[] = { ksm_knob_min(k), ksm_knob_max(k) };

		if (!ksm_knob_writable(k) || !in_ksm(k) ||
		    k->kind == KNOB_ULONG_LIST || k->kind == KNOB_RATIO_LIST)
			continue;
		for (int e = 0; e < 2; e++) {
			char text[64], canon[64], shown[80], again[64];
			struct ksm_value v, back;
			struct ksm_refusal why;

			if (k->kind == KNOB_MODE)
				snprintf(text, sizeof(text), "%s",
					 k->modes[ends[e]]);
			else
				snprintf(text, sizeof(text), "%llu", ends[e]);
			if (ksm_knob_parse_input(k, text, &v, canon,
						 sizeof(canon), &why))
				fail_msg("%s \"%s\" refused: %s", k->name, text,
					 why.why);
			assert_string_equal(canon, text);
			ksm_knob_format(k, &v, again, sizeof(again));
			assert_string_equal(again, canon);
			snprintf(shown, sizeof(shown), "%s\n", canon);
			assert_int_equal(ksm_knob_parse_shown(k, shown, &back), 0);
			assert_true(ksm_value_equal(k, &v, &back));
		}
	}
}

static void test_parse_shown(void **state)
{
	const struct ksm_knob *mode = knob("advisor_mode");
	struct ksm_value v;

	(void)state;
	assert_int_equal(ksm_knob_parse_shown(mode, "[none] scan-time\n", &v), 0);
	assert_int_equal(v.u, 0);
	assert_int_equal(ksm_knob_parse_shown(mode, "none [scan-time]\n", &v), 0);
	assert_int_equal(v.u, 1);
	assert_int_equal(ksm_knob_parse_shown(mode, "scan-time\n", &v), 0);
	assert_int_equal(v.u, 1);
	assert_int_equal(ksm_knob_parse_shown(mode, "[fast] none\n", &v), -EINVAL);
	assert_int_equal(ksm_knob_parse_shown(mode, "[none scan-time\n", &v),
			 -EINVAL);
	assert_int_equal(ksm_knob_parse_shown(mode, "[scan] none\n", &v), -EINVAL);
	assert_int_equal(ksm_knob_parse_shown(mode, "", &v), -EINVAL);

	assert_int_equal(ksm_knob_parse_shown(knob("general_profit"),
					      "-123456789\n", &v), 0);
	assert_true(v.s == -123456789);
	assert_int_equal(ksm_knob_parse_shown(knob("ksm_zero_pages"), "-3\n", &v),
			 0);
	assert_true(v.s == -3);
	assert_int_equal(ksm_knob_parse_shown(knob("pages_sharing"),
					      "18446744073709551615\n", &v), 0);
	assert_true(v.u == ULLONG_MAX);
	assert_int_equal(ksm_knob_parse_shown(knob("pages_sharing"), "-1\n", &v),
			 -EINVAL);
	assert_int_equal(ksm_knob_parse_shown(knob("run"), "garbage\n", &v),
			 -EINVAL);
	assert_int_equal(ksm_knob_parse_shown(knob("max_page_sharing"), "256\n",
					      &v), 0);
	assert_true(v.s == 256 && v.u == 256);
}

static void test_value_equal(void **state)
{
	struct ksm_value a = { .u = 5, .s = 5 }, b = { .u = 5, .s = -5 };

	(void)state;
	assert_true(ksm_value_equal(knob("run"), &a, &b));
	assert_false(ksm_value_equal(knob("general_profit"), &a, &b));
	assert_false(ksm_value_equal(knob("max_page_sharing"), &a, &b));
	b.s = 5;
	b.u = 6;
	assert_true(ksm_value_equal(knob("max_page_sharing"), &a, &b));
	assert_false(ksm_value_equal(knob("pages_to_scan"), &a, &b));
}

static void test_versions(void **state)
{
	static const struct {
		const char *release;
		unsigned int version;
	} cases[] = {
		{ "6.12.57+deb13-amd64", KSM_VERSION(6, 12, 57) },
		{ "6.18", KSM_VERSION(6, 18, 0) },
		{ "6.8.0-45-generic", KSM_VERSION(6, 8, 0) },
		{ "2.6.32-5-amd64", KSM_VERSION(2, 6, 32) },
		{ "4.19.325", KSM_VERSION(4, 19, 255) },	/* clamped */
		{ "5.300.1", KSM_VERSION(5, 255, 1) },
		{ "6", 0 },
		{ "", 0 },
		{ "linux", 0 },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (ksm_version_parse(cases[i].release) != cases[i].version)
			fail_msg("\"%s\": %#x", cases[i].release,
				 ksm_version_parse(cases[i].release));
	assert_true(KSM_VERSION(6, 8, 0) > KSM_VERSION(6, 7, 255));
	assert_true(KSM_VERSION(6, 10, 0) > KSM_VERSION(6, 9, 0));
	ksm_version_format(KSM_VERSION(6, 8, 0), buf, sizeof(buf));
	assert_string_equal(buf, "Linux 6.8");
	ksm_version_format(KSM_VERSION(2, 6, 32), buf, sizeof(buf));
	assert_string_equal(buf, "Linux 2.6.32");
	ksm_version_format(KSM_VERSION(4, 13, 0), buf, sizeof(buf));
	assert_string_equal(buf, "Linux 4.13");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_complete),
		cmocka_unit_test(test_table_consistent),
		cmocka_unit_test(test_table_flags),
		cmocka_unit_test(test_kernel_verdicts),
		cmocka_unit_test(test_numeric_boundaries),
		cmocka_unit_test(test_parse_input),
		cmocka_unit_test(test_parse_input_bool_words),
		cmocka_unit_test(test_refusal_texts),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_parse_shown),
		cmocka_unit_test(test_value_equal),
		cmocka_unit_test(test_versions),
	};

	return cmocka_run_group_tests_name("knobs", tests, NULL, NULL);
}
