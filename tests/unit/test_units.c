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
	{ ULLONG_MAX - 1, "16E" },
	{ ULLONG_MAX, ">=16E" },		/* KSM_SAT: saturated */
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
	ksm_format_ssize(LLONG_MAX - 1, buf, sizeof(buf));
	assert_string_equal(buf, "8E");
	ksm_format_ssize(LLONG_MIN + 1, buf, sizeof(buf));
	assert_string_equal(buf, "-8E");
	/* the limits are saturated amounts: at least that much */
	ksm_format_ssize(LLONG_MAX, buf, sizeof(buf));
	assert_string_equal(buf, ">=8E");
	ksm_format_ssize(LLONG_MIN, buf, sizeof(buf));
	assert_string_equal(buf, "<=-8E");
}

/*
 * Counter arithmetic never wraps: every helper against exact 128-bit
 * arithmetic, clamped, over edges and a spread of magnitudes.
 */
static void test_saturation(void **state)
{
	static const unsigned long long u[] = {
		0, 1, 2, 63, 64, 4095, 4096, 65536, 1ULL << 31, 1ULL << 32,
		1ULL << 52, (1ULL << 52) + 1, 1ULL << 63, (1ULL << 63) - 1,
		ULLONG_MAX / 4096, ULLONG_MAX / 4096 + 1, ULLONG_MAX / 64 + 1,
		ULLONG_MAX - 1, ULLONG_MAX,
	};
	static const long pages[] = { 1, 4096, 16384, 65536, 2 * 1024 * 1024 };
	const unsigned __int128 umax = ULLONG_MAX;
	const __int128 smax = LLONG_MAX, smin = LLONG_MIN;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(u); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(u); j++) {
			unsigned __int128 sum = (unsigned __int128)u[i] + u[j];
			unsigned __int128 prod = (unsigned __int128)u[i] * u[j];
			__int128 diff = (__int128)u[i] - (__int128)u[j];
			long long a = (long long)u[i], b = (long long)u[j];
			__int128 ssum = (__int128)a + b;

			assert_true(ksm_sat_add(u[i], u[j]) ==
				    (sum > umax ? ULLONG_MAX : (unsigned long long)sum));
			assert_true(ksm_sat_mul(u[i], u[j]) ==
				    (prod > umax ? ULLONG_MAX : (unsigned long long)prod));
			assert_true(ksm_sat_diff(u[i], u[j]) ==
				    (diff > smax ? LLONG_MAX : diff < smin ? LLONG_MIN :
				     (long long)diff));
			assert_true(ksm_sat_sadd(a, b) ==
				    (ssum > smax ? LLONG_MAX : ssum < smin ? LLONG_MIN :
				     (long long)ssum));
		}
		for (size_t p = 0; p < ARRAY_SIZE(pages); p++) {
			unsigned __int128 bytes = (unsigned __int128)u[i] * pages[p];
			__int128 sbytes = (__int128)(long long)u[i] * pages[p];

			assert_true(ksm_pages_bytes(u[i], pages[p]) ==
				    (bytes > umax ? KSM_SAT : (unsigned long long)bytes));
			assert_true(ksm_pages_sbytes((long long)u[i], pages[p]) ==
				    (sbytes > smax ? LLONG_MAX : sbytes < smin ? LLONG_MIN :
				     (long long)sbytes));
		}
	}
	/* the instances: 2^52 pages of 4K, 2^64 - 1 pages */
	{
		char buf[32];

		ksm_format_size(ksm_pages_bytes(1ULL << 52, 4096), buf, sizeof(buf));
		assert_string_equal(buf, ">=16E");
		ksm_format_size(ksm_pages_bytes(ULLONG_MAX, 4096), buf, sizeof(buf));
		assert_string_equal(buf, ">=16E");
		ksm_format_ssize(ksm_pages_sbytes(LLONG_MAX, 4096), buf, sizeof(buf));
		assert_string_equal(buf, ">=8E");
		ksm_format_size(ksm_pages_bytes(1ULL << 50, 4096), buf, sizeof(buf));
		assert_string_equal(buf, "4E");
	}
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
		cmocka_unit_test(test_saturation),
		cmocka_unit_test(test_small_buffers),
	};

	return cmocka_run_group_tests_name("units", tests, NULL, NULL);
}
