// SPDX-License-Identifier: GPL-2.0-or-later
/* IEC sizes as util-linux prints them ("4K", "1.5G"). */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/units.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define K 1024ULL
#define M (K * K)
#define G (M * K)
#define T (G * K)
#define E (T * K * K)

static const struct {
	unsigned long long bytes;
	const char *text;
} sizes[] = {
	{ 0, "0B" },
	{ 1, "1B" },
	{ 512, "512B" },
	{ 1023, "1023B" },
	{ K, "1K" },
	{ K + 51, "1K" },		/* 1.0498K */
	{ K + 52, "1.1K" },		/* 1.0508K: rounds half up */
	{ K + K / 2, "1.5K" },
	{ 4 * K, "4K" },
	{ 10 * K - 1, "10K" },		/* 9.999K */
	{ 1023 * K, "1023K" },
	{ M - 1, "1024K" },		/* 1023.999K, as util-linux says it */
	{ M, "1M" },
	{ 64 * M, "64M" },
	{ 3 * G / 2, "1.5G" },
	{ 32803240 * K, "31.3G" },
	{ 2 * T + T / 10 + 1, "2.1T" },
	{ 16 * T * K, "16P" },
	{ E, "1E" },
	{ ULLONG_MAX, "16E" },
};

static void test_sizes(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		char buf[32];

		ksm_format_size(sizes[i].bytes, buf, sizeof(buf));
		if (strcmp(buf, sizes[i].text))
			fail_msg("%llu: \"%s\", want \"%s\"", sizes[i].bytes, buf,
				 sizes[i].text);
	}
}

static void test_signed_sizes(void **state)
{
	char buf[32];

	(void)state;
	ksm_format_ssize(0, buf, sizeof(buf));
	assert_string_equal(buf, "0B");
	ksm_format_ssize(1536, buf, sizeof(buf));
	assert_string_equal(buf, "1.5K");
	ksm_format_ssize(-1536, buf, sizeof(buf));
	assert_string_equal(buf, "-1.5K");
	ksm_format_ssize(-1, buf, sizeof(buf));
	assert_string_equal(buf, "-1B");
	ksm_format_ssize(LLONG_MAX, buf, sizeof(buf));
	assert_string_equal(buf, "8E");
	ksm_format_ssize(LLONG_MIN, buf, sizeof(buf));
	assert_string_equal(buf, "-8E");
}

static void test_small_buffers(void **state)
{
	char buf[8];

	(void)state;
	/* always terminated, never past the end */
	memset(buf, 'Z', sizeof(buf));
	ksm_format_size(3 * G / 2, buf, 3);
	assert_string_equal(buf, "1.");
	assert_int_equal(buf[3], 'Z');
	memset(buf, 'Z', sizeof(buf));
	ksm_format_ssize(-1536, buf, 1);
	assert_string_equal(buf, "");
	assert_int_equal(buf[1], 'Z');
	memset(buf, 'Z', sizeof(buf));
	ksm_format_ssize(-1536, buf, 2);
	assert_string_equal(buf, "-");
	assert_int_equal(buf[2], 'Z');
	memset(buf, 'Z', sizeof(buf));
	ksm_format_ssize(-1536, buf, 0);
	assert_int_equal(buf[0], 'Z');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_signed_sizes),
		cmocka_unit_test(test_small_buffers),
	};

	return cmocka_run_group_tests_name("units", tests, NULL, NULL);
}
