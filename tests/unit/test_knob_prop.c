// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The knob-level property: for any string, `ksmctl set KNOB STRING`
 * accepts exactly what the kernel's store accepts (with the same value,
 * written in a form the kernel keeps as that value) and refuses the rest
 * with the kernel's errno, except the refusals the man page documents.
 * The kernel is modelled from the 6.12 source in kernel_ref.h; the check
 * itself is kref_check() there, shared with the "knob" fuzz target.
 *
 * Every short string, strings built around each knob's limits, and many
 * random ones (KSMCTL_TEST_SEED picks another sequence).
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

#include "kernel_ref.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void check(enum ksm_knob_id id, const char *text)
{
	char why[256];

	if (!kref_check(id, text, why, sizeof(why))) {
		char shown[128];

		ksm_escape(text, shown, sizeof(shown));
		fail_msg("%s '%s': %s", ksm_knobs[id].name, shown, why);
	}
}

static void check_all_knobs(const char *text)
{
	for (int id = 0; id < KSM_KNOB_COUNT; id++)
		if (kref_covers(id))
			check(id, text);
}

/* The model must give the kernel's known answers, or it proves nothing. */
static void test_reference_sanity(void **state)
{
	static const struct {
		enum ksm_knob_id id;
		const char *in;
		int err;
		unsigned long long val;
	} cases[] = {
		{ KSM_PAGES_TO_SCAN, "100", 0, 100 },
		{ KSM_PAGES_TO_SCAN, "+100\n", 0, 100 },
		{ KSM_PAGES_TO_SCAN, "0x10", -EINVAL, 0 },
		{ KSM_PAGES_TO_SCAN, " 1", -EINVAL, 0 },
		{ KSM_PAGES_TO_SCAN, "1\n\n", -EINVAL, 0 },
		{ KSM_PAGES_TO_SCAN, "4294967295", 0, 4294967295ULL },
		{ KSM_PAGES_TO_SCAN, "4294967296", -EINVAL, 0 },
		{ KSM_RUN, "2", 0, 2 },
		{ KSM_RUN, "3", -EINVAL, 0 },
		{ KSM_MERGE_ACROSS_NODES, "18446744073709551616", -ERANGE, 0 },
		{ KSM_MERGE_ACROSS_NODES, "99999999999999999999x", -ERANGE, 0 },
		{ KSM_MERGE_ACROSS_NODES, "2", -EINVAL, 0 },
		{ KSM_MERGE_ACROSS_NODES, "-1", -EINVAL, 0 },
		{ KSM_MAX_PAGE_SHARING, "2147483648", -ERANGE, 0 },
		{ KSM_MAX_PAGE_SHARING, "-0", -EINVAL, 0 },
		{ KSM_MAX_PAGE_SHARING, "-9223372036854775809", -ERANGE, 0 },
		{ KSM_MAX_PAGE_SHARING, "1", -EINVAL, 0 },
		{ KSM_MAX_PAGE_SHARING, "+2\n", 0, 2 },
		{ KSM_USE_ZERO_PAGES, "yellow", 0, 1 },
		{ KSM_USE_ZERO_PAGES, "of", 0, 0 },
		{ KSM_USE_ZERO_PAGES, "o", -EINVAL, 0 },
		{ KSM_SMART_SCAN, "2", -EINVAL, 0 },
		{ KSM_ADVISOR_MODE, "scan-time\n", 0, 1 },
		{ KSM_ADVISOR_MODE, "none", 0, 0 },
		{ KSM_ADVISOR_MODE, "None", -EINVAL, 0 },
		{ KSM_ADVISOR_MODE, " none", -EINVAL, 0 },
		{ KSM_ADVISOR_MODE, "none\n\n", -EINVAL, 0 },
		{ KSM_ADVISOR_MAX_CPU, "4294967297", 0, 4294967297ULL },
		{ KSM_ADVISOR_TARGET_SCAN_TIME, "0", -EINVAL, 0 },
		{ KSM_ADVISOR_TARGET_SCAN_TIME, "18446744073709551615", 0,
		  ULLONG_MAX },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned long long val = 0;
		int err = kref_store(cases[i].id, cases[i].in, &val);

		if (err != cases[i].err || (!err && val != cases[i].val))
			fail_msg("model: %s '%s': %d/%llu, want %d/%llu",
				 ksm_knobs[cases[i].id].name, cases[i].in, err,
				 val, cases[i].err, cases[i].val);
	}
	assert_true(kref_documented_refusal(KSM_USE_ZERO_PAGES, "yellow", 1));
	assert_false(kref_documented_refusal(KSM_USE_ZERO_PAGES, "TRUE\n", 1));
	assert_true(kref_documented_refusal(KSM_ADVISOR_MAX_CPU, "101", 101));
	assert_true(kref_documented_refusal(KSM_ADVISOR_MAX_PAGES_TO_SCAN, "0", 0));
	assert_false(kref_documented_refusal(KSM_PAGES_TO_SCAN, "0", 0));
}

static const char alphabet[] = "+-0129 \nxyYnNoOfFtTaeE-sc";

/* Every string of up to 3 characters over the alphabet, for every knob. */
static void test_exhaustive_short(void **state)
{
	const size_t k = sizeof(alphabet) - 1;
	char s[4];

	(void)state;
	check_all_knobs("");
	for (size_t a = 0; a < k; a++) {
		s[0] = alphabet[a];
		s[1] = '\0';
		check_all_knobs(s);
		for (size_t b = 0; b < k; b++) {
			s[1] = alphabet[b];
			s[2] = '\0';
			check_all_knobs(s);
			for (size_t c = 0; c < k; c++) {
				s[2] = alphabet[c];
				s[3] = '\0';
				check_all_knobs(s);
			}
		}
	}
}

/* Each knob's limits and the 32/64-bit edges, with each decoration. */
static void test_edges(void **state)
{
	static const char *const numbers[] = {
		"0", "1", "2", "3", "99", "100", "101",
		"2147483647", "2147483648", "4294967295", "4294967296",
		"4294967297", "9223372036854775807", "9223372036854775808",
		"9223372036854775809", "18446744073709551615",
		"18446744073709551616", "36893488147419103232",
		"000000000000000000000000000000000000001",
	};
	static const char *const words[] = {
		"none", "scan-time", "y", "n", "yes", "no", "on", "off", "true",
		"false", "t", "f", "Y", "No", "ON", "oFf", "TRUE", "yellow",
		"nope", "o", "of", "on2", "1x", "0x10", "1.5", "1e3", "",
		"[none]", "none scan-time", "scan-time ", "scan", "-",
		"+", "\n",
	};
	static const char *const wraps[] = {
		"%s", "+%s", "-%s", "%s\n", "+%s\n", "-%s\n", "%s\n\n", " %s",
		"%s ", "%s\t", "0%s", "%s0", "+-%s", "-+%s", "++%s", "--%s",
		"%sx", "\n%s",
	};
	char s[96];

	(void)state;
	for (size_t w = 0; w < ARRAY_SIZE(wraps); w++) {
		for (size_t n = 0; n < ARRAY_SIZE(numbers); n++) {
			snprintf(s, sizeof(s), wraps[w], numbers[n]);
			check_all_knobs(s);
		}
		for (size_t n = 0; n < ARRAY_SIZE(words); n++) {
			snprintf(s, sizeof(s), wraps[w], words[n]);
			check_all_knobs(s);
		}
	}
}

/* xorshift64*: reproducible without depending on libc's rand() */
static unsigned long long rng_state;

static unsigned long long rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/*
 * Mostly-numeric strings (so the overflow edges come up), words with
 * noise, and plain noise over all bytes but NUL.
 */
static void random_string(char *s, size_t max)
{
	static const char *const words[] = {
		"none", "scan-time", "yes", "no", "on", "off", "true", "false",
	};
	size_t len = (size_t)(rng() % (max + 1)), i = 0;
	unsigned long long style = rng() % 4;

	if (style == 2) {
		const char *w = words[rng() % ARRAY_SIZE(words)];

		snprintf(s, max + 1, "%s", w);
		i = strlen(s);
		if (len < i)
			len = i;
	}
	for (; i < len; i++) {
		if (style < 2 && rng() % 8)
			s[i] = (char)('0' + rng() % 10);
		else if (style == 3)
			s[i] = (char)(1 + rng() % 255);
		else
			s[i] = alphabet[rng() % (sizeof(alphabet) - 1)];
	}
	if (len && style == 1 && rng() % 2)
		s[0] = "+-"[rng() % 2];
	if (len && style != 3 && rng() % 3 == 0)
		s[len - 1] = '\n';
	s[len] = '\0';
}

static void test_random(void **state)
{
	const char *env = getenv("KSMCTL_TEST_SEED");
	unsigned long long seed = env ? strtoull(env, NULL, 0) : 0x6b6e6f62ULL;
	char s[40];

	(void)state;
	rng_state = seed ? seed : 1;
	for (int i = 0; i < 200000; i++) {
		random_string(s, 30);
		check_all_knobs(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_sanity),
		cmocka_unit_test(test_exhaustive_short),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests_name("knob_prop", tests, NULL, NULL);
}
