// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kstrto*() twins must accept exactly what lib/kstrtox.c accepts,
 * with the same errno.  Hand-picked cases first, then every short string
 * and many random ones compared against a second, deliberately different
 * implementation of the kernel's rules written here.
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

#include "lib/parse.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SENTINEL 0x5a5a5a5a5a5a5a5aULL

/* ---- hand-picked cases ------------------------------------------------ */

struct ucase {
	const char *in;
	int err;
	unsigned long long val;
};

struct scase {
	const char *in;
	int err;
	long long val;
};

static const struct ucase ull_cases[] = {
	{ "0", 0, 0 },
	{ "1", 0, 1 },
	{ "+1", 0, 1 },
	{ "+0", 0, 0 },
	{ "1\n", 0, 1 },
	{ "+1\n", 0, 1 },
	{ "010", 0, 10 },		/* base 10: a leading 0 is not octal */
	{ "0000000000000000000000000042", 0, 42 },
	{ "18446744073709551615", 0, ULLONG_MAX },
	{ "18446744073709551615\n", 0, ULLONG_MAX },
	{ "18446744073709551616", -ERANGE, 0 },
	{ "99999999999999999999", -ERANGE, 0 },
	{ "184467440737095516150", -ERANGE, 0 },
	/* the kernel reports overflow before it looks at the tail */
	{ "18446744073709551616x", -ERANGE, 0 },
	{ "18446744073709551616\n\n", -ERANGE, 0 },
	{ "", -EINVAL, 0 },
	{ "\n", -EINVAL, 0 },
	{ "+", -EINVAL, 0 },
	{ "++1", -EINVAL, 0 },
	{ "+-1", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "-0", -EINVAL, 0 },
	{ "1\n\n", -EINVAL, 0 },
	{ "1\n1", -EINVAL, 0 },
	{ "\n1", -EINVAL, 0 },
	{ " 1", -EINVAL, 0 },
	{ "1 ", -EINVAL, 0 },
	{ "1 \n", -EINVAL, 0 },
	{ "\t1", -EINVAL, 0 },
	{ "0x10", -EINVAL, 0 },
	{ "0X10", -EINVAL, 0 },
	{ "1a", -EINVAL, 0 },
	{ "a", -EINVAL, 0 },
	{ "1.5", -EINVAL, 0 },
	{ "1e3", -EINVAL, 0 },
	{ "1x", -EINVAL, 0 },
	{ "1\r\n", -EINVAL, 0 },
};

static const struct ucase uint_cases[] = {
	{ "0", 0, 0 },
	{ "4294967295", 0, UINT_MAX },
	{ "+4294967295\n", 0, UINT_MAX },
	{ "4294967296", -ERANGE, 0 },
	{ "18446744073709551615", -ERANGE, 0 },
	{ "18446744073709551616", -ERANGE, 0 },
	{ "-1", -EINVAL, 0 },
	{ "-0", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
	{ "0x10", -EINVAL, 0 },
	{ " 7", -EINVAL, 0 },
	{ "7 ", -EINVAL, 0 },
	{ "7\n\n", -EINVAL, 0 },
};

static const struct scase ll_cases[] = {
	{ "0", 0, 0 },
	{ "-0", 0, 0 },
	{ "-0\n", 0, 0 },
	{ "-1", 0, -1 },
	{ "+1", 0, 1 },
	{ "9223372036854775807", 0, LLONG_MAX },
	{ "9223372036854775808", -ERANGE, 0 },
	{ "-9223372036854775808", 0, LLONG_MIN },
	{ "-9223372036854775809", -ERANGE, 0 },
	{ "-18446744073709551615", -ERANGE, 0 },
	{ "-18446744073709551616", -ERANGE, 0 },
	{ "18446744073709551616", -ERANGE, 0 },
	/* after '-' the kernel calls _kstrtoull(): no second sign */
	{ "-+1", -EINVAL, 0 },
	{ "+-1", -EINVAL, 0 },
	{ "--1", -EINVAL, 0 },
	{ "-", -EINVAL, 0 },
	{ "-\n", -EINVAL, 0 },
	{ "- 1", -EINVAL, 0 },
	{ " -1", -EINVAL, 0 },
	{ "-1\n\n", -EINVAL, 0 },
	{ "-0x1", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
};

static const struct scase int_cases[] = {
	{ "2147483647", 0, INT_MAX },
	{ "2147483648", -ERANGE, 0 },
	{ "-2147483648", 0, INT_MIN },
	{ "-2147483649", -ERANGE, 0 },
	{ "-0", 0, 0 },
	{ "+2\n", 0, 2 },
	{ "4294967296", -ERANGE, 0 },
	{ "99999999999999999999", -ERANGE, 0 },
	{ "-99999999999999999999", -ERANGE, 0 },
	{ "2\n\n", -EINVAL, 0 },
	{ " 2", -EINVAL, 0 },
	{ "2 ", -EINVAL, 0 },
	{ "0x2", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
};

static void test_kstrtoull10(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ull_cases); i++) {
		const struct ucase *c = &ull_cases[i];
		unsigned long long v = SENTINEL;
		int err = kstrtoull10(c->in, &v);

		if (err != c->err)
			fail_msg("kstrtoull10(\"%s\") = %d, want %d", c->in, err,
				 c->err);
		/* "If -E is returned, result is not touched." */
		if (v != (c->err ? SENTINEL : c->val))
			fail_msg("kstrtoull10(\"%s\") value %llu", c->in, v);
	}
}

static void test_kstrtouint10(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(uint_cases); i++) {
		const struct ucase *c = &uint_cases[i];
		unsigned int v = 0x5a5a5a5a;
		int err = kstrtouint10(c->in, &v);

		if (err != c->err)
			fail_msg("kstrtouint10(\"%s\") = %d, want %d", c->in,
				 err, c->err);
		if (v != (c->err ? 0x5a5a5a5aU : (unsigned int)c->val))
			fail_msg("kstrtouint10(\"%s\") value %u", c->in, v);
	}
}

static void test_kstrtoll10(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ll_cases); i++) {
		const struct scase *c = &ll_cases[i];
		long long v = 0x5a5a5a5a;
		int err = kstrtoll10(c->in, &v);

		if (err != c->err)
			fail_msg("kstrtoll10(\"%s\") = %d, want %d", c->in, err,
				 c->err);
		if (v != (c->err ? 0x5a5a5a5a : c->val))
			fail_msg("kstrtoll10(\"%s\") value %lld", c->in, v);
	}
}

static void test_kstrtoint10(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(int_cases); i++) {
		const struct scase *c = &int_cases[i];
		int v = 0x5a5a5a5a;
		int err = kstrtoint10(c->in, &v);

		if (err != c->err)
			fail_msg("kstrtoint10(\"%s\") = %d, want %d", c->in, err,
				 c->err);
		if (v != (c->err ? 0x5a5a5a5a : (int)c->val))
			fail_msg("kstrtoint10(\"%s\") value %d", c->in, v);
	}
}

struct bcase {
	const char *in;
	int err;
	bool val;
};

static const struct bcase bool_cases[] = {
	{ "1", 0, true }, { "0", 0, false },
	{ "y", 0, true }, { "Y", 0, true }, { "n", 0, false }, { "N", 0, false },
	{ "t", 0, true }, { "T", 0, true }, { "f", 0, false }, { "F", 0, false },
	{ "yes", 0, true }, { "no", 0, false },
	{ "true", 0, true }, { "false", 0, false },
	{ "on", 0, true }, { "ON", 0, true }, { "oN", 0, true },
	{ "off", 0, false }, { "OFF", 0, false }, { "of", 0, false },
	{ "1\n", 0, true }, { "0\n", 0, false },
	/* only the first (two) characters count */
	{ "yellow", 0, true }, { "nonsense", 0, false }, { "10", 0, true },
	{ "01", 0, false }, { "1\n\n", 0, true }, { "on and on", 0, true },
	{ "offbeat", 0, false }, { "t x", 0, true },
	{ "", -EINVAL, false }, { "\n", -EINVAL, false },
	{ "o", -EINVAL, false }, { "O", -EINVAL, false },
	{ "o\n", -EINVAL, false }, { "ox", -EINVAL, false },
	{ "2", -EINVAL, false }, { "x", -EINVAL, false },
	{ "-1", -EINVAL, false }, { "+1", -EINVAL, false },
	{ " 1", -EINVAL, false }, { " y", -EINVAL, false },
	{ "enable", -EINVAL, false }, { "a", -EINVAL, false },
};

static void test_kstrtobool(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bool_cases); i++) {
		const struct bcase *c = &bool_cases[i];
		/* an untouched result must survive a refusal */
		bool t = true, f = false;
		int e1 = kstrtobool_k(c->in, &t);
		int e2 = kstrtobool_k(c->in, &f);

		if (e1 != c->err || e2 != c->err)
			fail_msg("kstrtobool_k(\"%s\") = %d, want %d", c->in, e1,
				 c->err);
		if (c->err && (!t || f))
			fail_msg("kstrtobool_k(\"%s\") touched the result", c->in);
		if (!c->err && (t != c->val || f != c->val))
			fail_msg("kstrtobool_k(\"%s\") = %d, want %d", c->in, t,
				 c->val);
	}
}

static void test_sysfs_streq(void **state)
{
	static const struct {
		const char *a, *b;
		bool eq;
	} cases[] = {
		{ "none", "none", true },
		{ "none", "none\n", true },
		{ "none\n", "none", true },
		{ "none\n", "none\n", true },
		{ "", "\n", true },
		{ "\n", "", true },
		{ "", "", true },
		{ "none", "none\n\n", false },
		{ "none", "non", false },
		{ "non", "none", false },
		{ "none", " none", false },
		{ "none", "none ", false },
		{ "none", "None", false },
		{ "none", "[none]", false },
		{ "scan-time", "scan_time", false },
		{ "none", "", false },
		{ "none", "\n", false },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (sysfs_streq_k(cases[i].a, cases[i].b) != cases[i].eq)
			fail_msg("sysfs_streq(\"%s\", \"%s\") != %d", cases[i].a,
				 cases[i].b, cases[i].eq);
}

/* What the kernel prints: digits, then whitespace ("%lu\n"). */
static void test_parse_shown_numbers(void **state)
{
	static const struct ucase u[] = {
		{ "123\n", 0, 123 },
		{ "123", 0, 123 },
		{ "123 \n", 0, 123 },
		{ "0\n", 0, 0 },
		{ "18446744073709551615\n", 0, ULLONG_MAX },
		{ "18446744073709551616\n", -ERANGE, 0 },
		{ "", -EINVAL, 0 },
		{ "\n", -EINVAL, 0 },
		{ "-1\n", -EINVAL, 0 },
		{ "+1\n", -EINVAL, 0 },
		{ " 1\n", -EINVAL, 0 },
		{ "12a\n", -EINVAL, 0 },
		{ "1 2\n", -EINVAL, 0 },
	};
	static const struct scase s[] = {
		{ "-5\n", 0, -5 },
		{ "5\n", 0, 5 },
		{ "-0\n", 0, 0 },
		{ "9223372036854775807\n", 0, LLONG_MAX },
		{ "-9223372036854775808\n", 0, LLONG_MIN },
		{ "9223372036854775808\n", -ERANGE, 0 },
		{ "-9223372036854775809\n", -ERANGE, 0 },
		{ "-\n", -EINVAL, 0 },
		{ "--1\n", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "-1x\n", -EINVAL, 0 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(u); i++) {
		unsigned long long v = 0;
		int err = ksm_parse_ull(u[i].in, &v);

		if (err != u[i].err || (!err && v != u[i].val))
			fail_msg("ksm_parse_ull(\"%s\") = %d/%llu", u[i].in, err, v);
	}
	for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
		long long v = 0;
		int err = ksm_parse_ll(s[i].in, &v);

		if (err != s[i].err || (!err && v != s[i].val))
			fail_msg("ksm_parse_ll(\"%s\") = %d/%lld", s[i].in, err, v);
	}
}

/* ---- the reference: lib/kstrtox.c's rules, written another way -------- */

/*
 * Digits are counted first and the value is built in 128 bits, so the
 * overflow test shares nothing with the code under test.
 */
static int ref_digits(const char *s, unsigned long long *res)
{
	size_t n = strspn(s, "0123456789");
	unsigned __int128 acc = 0;
	bool overflow = false;

	for (size_t i = 0; i < n && !overflow; i++) {
		acc = acc * 10 + (unsigned)(s[i] - '0');
		overflow = acc > (unsigned __int128)ULLONG_MAX;
	}
	if (overflow)
		return -ERANGE;
	if (n == 0)
		return -EINVAL;
	/* nothing but an optional single newline may follow */
	if (strcmp(s + n, "") && strcmp(s + n, "\n"))
		return -EINVAL;
	*res = (unsigned long long)acc;
	return 0;
}

static int ref_kstrtoull(const char *s, unsigned long long *res)
{
	return ref_digits(s + (s[0] == '+'), res);
}

static int ref_kstrtoll(const char *s, long long *res)
{
	unsigned long long mag;
	int err;

	if (s[0] == '-') {
		err = ref_digits(s + 1, &mag);
		if (err)
			return err;
		if (mag > (unsigned long long)LLONG_MAX + 1)
			return -ERANGE;
		*res = mag == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN :
								  -(long long)mag;
		return 0;
	}
	err = ref_kstrtoull(s, &mag);
	if (err)
		return err;
	if (mag > LLONG_MAX)
		return -ERANGE;
	*res = (long long)mag;
	return 0;
}

static int ref_kstrtouint(const char *s, unsigned int *res)
{
	unsigned long long v;
	int err = ref_kstrtoull(s, &v);

	if (err)
		return err;
	if (v > UINT_MAX)
		return -ERANGE;
	*res = (unsigned int)v;
	return 0;
}

static int ref_kstrtoint(const char *s, int *res)
{
	long long v;
	int err = ref_kstrtoll(s, &v);

	if (err)
		return err;
	if (v < INT_MIN || v > INT_MAX)
		return -ERANGE;
	*res = (int)v;
	return 0;
}

static int ref_kstrtobool(const char *s, bool *res)
{
	if (s[0] && strchr("yYtT1", s[0])) {
		*res = true;
		return 0;
	}
	if (s[0] && strchr("nNfF0", s[0])) {
		*res = false;
		return 0;
	}
	if ((s[0] == 'o' || s[0] == 'O') && s[1]) {
		if (strchr("nN", s[1])) {
			*res = true;
			return 0;
		}
		if (strchr("fF", s[1])) {
			*res = false;
			return 0;
		}
	}
	return -EINVAL;
}

static void compare_one(const char *s)
{
	unsigned long long u1 = SENTINEL, u2 = SENTINEL;
	long long l1 = 7, l2 = 7;
	unsigned int i1 = 7, i2 = 7;
	int n1 = 7, n2 = 7;
	bool b1 = true, b2 = true;
	int e1, e2;

	e1 = kstrtoull10(s, &u1);
	e2 = ref_kstrtoull(s, &u2);
	if (e1 != e2 || u1 != u2)
		fail_msg("kstrtoull10(\"%s\"): %d/%llu, reference %d/%llu", s, e1,
			 u1, e2, u2);
	e1 = kstrtouint10(s, &i1);
	e2 = ref_kstrtouint(s, &i2);
	if (e1 != e2 || i1 != i2)
		fail_msg("kstrtouint10(\"%s\"): %d/%u, reference %d/%u", s, e1,
			 i1, e2, i2);
	e1 = kstrtoll10(s, &l1);
	e2 = ref_kstrtoll(s, &l2);
	if (e1 != e2 || l1 != l2)
		fail_msg("kstrtoll10(\"%s\"): %d/%lld, reference %d/%lld", s, e1,
			 l1, e2, l2);
	e1 = kstrtoint10(s, &n1);
	e2 = ref_kstrtoint(s, &n2);
	if (e1 != e2 || n1 != n2)
		fail_msg("kstrtoint10(\"%s\"): %d/%d, reference %d/%d", s, e1,
			 n1, e2, n2);
	e1 = kstrtobool_k(s, &b1);
	e2 = ref_kstrtobool(s, &b2);
	if (e1 != e2 || b1 != b2)
		fail_msg("kstrtobool_k(\"%s\"): %d/%d, reference %d/%d", s, e1,
			 b1, e2, b2);
}

static const char alphabet[] = "+-0123456789 \nxyYnNoOfFtTa";

/* Every string of up to 3 characters over the alphabet. */
static void test_exhaustive_short(void **state)
{
	const size_t k = sizeof(alphabet) - 1;
	char s[4];
	size_t n = 0;

	(void)state;
	for (size_t len = 0; len <= 3; len++) {
		size_t total = 1;

		for (size_t i = 0; i < len; i++)
			total *= k;
		for (size_t code = 0; code < total; code++) {
			size_t c = code;

			for (size_t i = 0; i < len; i++, c /= k)
				s[i] = alphabet[c % k];
			s[len] = '\0';
			compare_one(s);
			n++;
		}
	}
	assert_int_equal(n, 1 + k + k * k + k * k * k);
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

static void random_string(char *s, size_t max)
{
	size_t len = (size_t)(rng() % (max + 1));
	unsigned long long style = rng() % 4;

	for (size_t i = 0; i < len; i++) {
		/*
		 * Mostly digits in half the strings, so long numbers (and
		 * the overflow edge) come up, not only noise.
		 */
		if (style < 2 && rng() % 8)
			s[i] = (char)('0' + rng() % 10);
		else
			s[i] = alphabet[rng() % (sizeof(alphabet) - 1)];
	}
	/* sometimes a sign in front, sometimes a newline at the end */
	if (len && style == 1 && rng() % 2)
		s[0] = "+-"[rng() % 2];
	if (len && style != 3 && rng() % 3 == 0)
		s[len - 1] = '\n';
	s[len] = '\0';
}

static void test_random_against_reference(void **state)
{
	const char *env = getenv("KSMCTL_TEST_SEED");
	unsigned long long seed = env ? strtoull(env, NULL, 0) : 0x6b736d63746cULL;
	char s[32];

	(void)state;
	rng_state = seed ? seed : 1;
	for (int i = 0; i < 300000; i++) {
		random_string(s, 24);
		compare_one(s);
	}
	/* the numbers around every limit, with each decoration */
	static const char *const edges[] = {
		"4294967295", "4294967296", "2147483647", "2147483648",
		"9223372036854775807", "9223372036854775808",
		"18446744073709551615", "18446744073709551616",
		"18446744073709551619", "18446744073709551620",
		"36893488147419103231", "0",
	};
	static const char *const wraps[] = {
		"%s", "+%s", "-%s", "%s\n", "-%s\n", "+%s\n", "%s\n\n",
		" %s", "%s ", "0%s", "%s0", "+-%s", "-+%s",
	};
	for (size_t e = 0; e < ARRAY_SIZE(edges); e++) {
		for (size_t w = 0; w < ARRAY_SIZE(wraps); w++) {
			snprintf(s, sizeof(s), wraps[w], edges[e]);
			compare_one(s);
		}
	}
}

/* The reference itself must know the kernel's answers, or it proves nothing. */
static void test_reference_sanity(void **state)
{
	unsigned long long u;
	long long l;
	bool b;

	(void)state;
	assert_int_equal(ref_kstrtoull("18446744073709551616", &u), -ERANGE);
	assert_int_equal(ref_kstrtoull("+7\n", &u), 0);
	assert_int_equal(u, 7);
	assert_int_equal(ref_kstrtoull("7\n\n", &u), -EINVAL);
	assert_int_equal(ref_kstrtoll("-9223372036854775808", &l), 0);
	assert_true(l == LLONG_MIN);
	assert_int_equal(ref_kstrtoll("-+1", &l), -EINVAL);
	assert_int_equal(ref_kstrtobool("yellow", &b), 0);
	assert_true(b);
	assert_int_equal(ref_kstrtobool("o", &b), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kstrtoull10),
		cmocka_unit_test(test_kstrtouint10),
		cmocka_unit_test(test_kstrtoll10),
		cmocka_unit_test(test_kstrtoint10),
		cmocka_unit_test(test_kstrtobool),
		cmocka_unit_test(test_sysfs_streq),
		cmocka_unit_test(test_parse_shown_numbers),
		cmocka_unit_test(test_reference_sanity),
		cmocka_unit_test(test_exhaustive_short),
		cmocka_unit_test(test_random_against_reference),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
