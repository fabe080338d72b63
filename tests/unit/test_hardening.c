// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Regression tests for what fuzzing and fault injection found (tests/fuzz,
 * tests/fault), so the fixes hold in every build, with or without clang:
 * the ASan + UBSan build of this program (san-unit) turns a reappearing
 * overflow or undefined shift into a failure.  The inputs are the ones in
 * tests/fuzz/corpus/NAME/regress-*.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/committed.h"
#include "lib/envfile.h"
#include "lib/knobs.h"
#include "lib/procs.h"
#include "lib/tuner.h"

static int ignore(const char *key, const char *value, int line, void *data)
{
	(void)key;
	(void)value;
	(void)line;
	(void)data;
	return 0;
}

/*
 * envfile: a double-quoted value ending in a backslash: strchr() matched
 * the NUL after it, and the parser read on past the end of the line
 * (regress-quote-ends-in-backslash: a stack-buffer-overflow).
 */
static void test_envfile_quote_backslash_at_end(void **state)
{
	size_t n = 4088;
	char *text = malloc(n + 8);
	int bad = 0;

	(void)state;
	assert_non_null(text);
	memcpy(text, "K=\"", 3);
	memset(text + 3, 'a', n);
	strcpy(text + 3 + n, "\\");
	assert_int_equal(ksm_envfile_parse(text, ignore, NULL, &bad), -EINVAL);
	assert_int_equal(bad, 1);
	assert_int_equal(ksm_envfile_parse("K=\"abc\\", ignore, NULL, &bad), -EINVAL);
	free(text);
}

/* /proc/PID/stat that ends at the name's ')' (regress-stat-ends-at-paren) */
static void test_stat_ends_at_paren(void **state)
{
	struct ksm_task_stat st;

	(void)state;
	assert_int_equal(ksm_task_stat_parse(".4242 (a) (b) c)", &st), -EINVAL);
	assert_int_equal(ksm_task_stat_parse("1 (x)", &st), -EINVAL);
}

/* "0 * 2^70": shifting 0 by 70 is undefined (regress-pow2-zero-mantissa) */
static void test_pow2_zero_mantissa(void **state)
{
	struct ksm_value v;

	(void)state;
	assert_int_equal(ksm_knob_parse_shown(&ksm_knobs[KSM_PAGES_SCANNED],
					      "0 * 2^70\n", &v), 0);
	assert_true(v.u == 0);
	assert_int_equal(ksm_knob_parse_shown(&ksm_knobs[KSM_PAGES_SCANNED],
					      "3 * 2^70\n", &v), 0);
	assert_true(v.u == ~0ULL);
}

/*
 * A plain ratio above LLONG_MAX turned negative, which means MAX/N: it
 * read back as "MAX/0" (regress-ratio-over-llong-max).
 */
static void test_ratio_over_llong_max(void **state)
{
	struct ksm_value v;

	(void)state;
	assert_int_equal(ksm_knob_parse_shown(&ksm_knobs[KSM_UKSM_CPU_RATIOS],
					      "0 40 MAX/4 14092547400719912340",
					      &v), -EINVAL);
	assert_int_equal(ksm_knob_parse_shown(&ksm_knobs[KSM_UKSM_CPU_RATIOS],
					      "20 40 MAX/4 MAX/1\n", &v), 0);
}

/* The profit from absurd figures: saturated, not signed overflow. */
static void test_profit_overflow(void **state)
{
	struct ksm_procstat st;

	(void)state;
	assert_int_equal(ksm_procstat_parse("ksm_rmap_items 5557555555555555550\n"
					    "ksm_merging_pages 1\n", &st), 0);
	ksm_procstat_finish(&st, 4096);
	assert_true(st.profit_known);
	assert_true(st.profit < 0);
	assert_int_equal(ksm_procstat_parse("ksm_rmap_items 1\nksm_zero_pages 1\n"
					    "ksm_merging_pages 18446744073709551615\n",
					    &st), 0);
	ksm_procstat_finish(&st, 4096);
	/* 2^76 bytes saved less 64: beyond 63 bits, so the saturated limit */
	assert_true(st.profit == LLONG_MAX);
	/* both terms beyond 64 bits: the difference is unknown, not 0 */
	assert_int_equal(ksm_procstat_parse("ksm_rmap_items 18446744073709551615\n"
					    "ksm_merging_pages 18446744073709551615\n",
					    &st), 0);
	ksm_procstat_finish(&st, 4096);
	assert_false(st.profit_known);
}

/*
 * KSM_PROCESS_REGEX whose compilation takes glibc gigabytes or minutes
 * (regress-regex-*): refused before regcomp() runs; ordinary ones pass.
 */
static void test_tune_regex_cost(void **state)
{
	static const char *const refused[] = {
		"u++++++++++++++++++++++", "u*+++++++++++++", "u*+",
		"u{1,255}{1,255}",
		"((((((((((((((((((((u)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+",
		"(((((((((((((u*)+)+)+)+)+)+)+)+)+)+)+)+)+",
		"((($|(()+)+)+)+)+", "(((a+)+)+)+", "(((|$|$|$|$|$|a)+)+)+",
		"((|$|$|$|$|$|$|$|$|$|$|$|$|$|$|$|$|$|$|$|$|$|$|$|$|$|$|a)+)+",
	};
	static const char *const accepted[] = {
		KSM_TUNE_DEFAULT_REGEX, "^(qemu|kvm)", "^qemu-system-.*$",
		"a{1,100}", "[[:alpha:]]+[+*]x\\+\\+", "(a+|b*)?c", "((a+)+)+",
	};
	struct ksm_tune_config c;
	struct ksm_tune_error err;
	char text[256];

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		ksm_tune_config_defaults(&c);
		snprintf(text, sizeof(text), "KSM_PROCESS_REGEX='%s'\n", refused[i]);
		if (ksm_tune_config_parse(text, &c, &err) != -EINVAL)
			fail_msg("accepted %s", refused[i]);
		assert_non_null(strstr(err.msg, "repetition"));
	}
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		ksm_tune_config_defaults(&c);
		snprintf(text, sizeof(text), "KSM_PROCESS_REGEX='%s'\n", accepted[i]);
		if (ksm_tune_config_parse(text, &c, &err))
			fail_msg("refused %s: %s", accepted[i], err.msg);
	}
}

/* /proc/meminfo unreadable: the tuner says why, not "no MemTotal". */
static void test_tune_meminfo_unreadable(void **state)
{
	struct ksm_tune_config c;
	struct ksm_tune_state st;
	struct ksm_tune_decision d;
	struct ksm_committed cm = { 0 };
	struct ksm_sample s;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.page_size = 4096;
	for (int id = 0; id < KSM_KNOB_COUNT; id++)
		s.v[id].err = -ENOENT;
	s.v[KSM_RUN].err = 0;
	s.meminfo_err = -ENOMEM;
	ksm_tune_config_defaults(&c);
	ksm_tune_state_init(&st, &s);
	assert_int_equal(ksm_tune_decide(&c, &s, &cm, &st, NULL, &d), -ENODATA);
	assert_non_null(strstr(d.reason, "/proc/meminfo: cannot read it: Cannot allocate memory"));
	s.meminfo_err = -ENODATA;
	assert_int_equal(ksm_tune_decide(&c, &s, &cm, &st, NULL, &d), -ENODATA);
	assert_non_null(strstr(d.reason, "no MemTotal"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envfile_quote_backslash_at_end),
		cmocka_unit_test(test_stat_ends_at_paren),
		cmocka_unit_test(test_pow2_zero_mantissa),
		cmocka_unit_test(test_ratio_over_llong_max),
		cmocka_unit_test(test_profit_overflow),
		cmocka_unit_test(test_tune_regex_cost),
		cmocka_unit_test(test_tune_meminfo_unreadable),
	};

	return cmocka_run_group_tests_name("hardening", tests, NULL, NULL);
}
