// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Escaping untrusted text: nothing that can drive a terminal may pass,
 * valid UTF-8 must, and the output is always a terminated string that
 * fits, cut only between whole characters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/escape.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *in, *out;
} cases[] = {
	{ "", "" },
	{ "qemu-system-x86", "qemu-system-x86" },
	{ "a b\"'$", "a b\"'$" },
	{ "a\nb", "a\\nb" },
	{ "\t\r", "\\t\\r" },
	{ "\033[2J", "\\x1b[2J" },
	{ "\x01\x1f", "\\x01\\x1f" },
	{ "\x7f", "\\x7f" },
	/* a backslash stays, unless what follows could read as an escape */
	{ "back\\slash", "back\\slash" },
	{ "/system.slice/a\\x2db.service", "/system.slice/a\\x2db.service" },
	{ "a\\", "a\\" },
	{ "\\\\", "\\\\\\" },				/* \\ -> \\\ */
	{ "a\\nb", "a\\\\nb" },
	{ "a\\t\\r", "a\\\\t\\\\r" },
	{ "\\xff", "\\\\xff" },			/* the text "\xff" */
	{ "\xff", "\\xff" },				/* the byte */
	{ "\\x1b", "\\\\x1b" },
	{ "\\x7f\\x80\\x20", "\\\\x7f\\\\x80\\x20" },
	{ "\\xFF", "\\xFF" },			/* escapes are lowercase */
	{ "\\xf", "\\xf" },
	{ "\\\033", "\\\\\\x1b" },			/* before an escape */
	{ "\\\xff", "\\\\\\xff" },
	{ "\\\xc3\xa9", "\\\xc3\xa9" },		/* before UTF-8: stays */
	/* valid UTF-8 passes: 2, 3 and 4 bytes */
	{ "caf\xc3\xa9", "caf\xc3\xa9" },
	{ "\xe2\x82\xac", "\xe2\x82\xac" },
	{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
	{ "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf" },		/* U+10FFFF */
	{ "\xc2\xa0", "\xc2\xa0" },				/* U+00A0 */
	/* C1 controls (U+0080..U+009F) act on some terminals: escaped */
	{ "\xc2\x9b" "2J", "\\xc2\\x9b" "2J" },
	{ "\xc2\x85", "\\xc2\\x85" },
	/* invalid UTF-8, byte by byte */
	{ "\xc3", "\\xc3" },
	{ "\xc3" "A", "\\xc3" "A" },
	{ "\xa9", "\\xa9" },
	{ "\xc0\xaf", "\\xc0\\xaf" },				/* overlong '/' */
	{ "\xe0\x80\xaf", "\\xe0\\x80\\xaf" },			/* overlong */
	{ "\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf" },		/* overlong */
	{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },			/* surrogate */
	{ "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80" },		/* > U+10FFFF */
	{ "\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80" },
	{ "\xff\xfe", "\\xff\\xfe" },
	{ "\xe2\x82", "\\xe2\\x82" },				/* cut short */
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char out[128];
		size_t n = ksm_escape(cases[i].in, out, sizeof(out));

		if (strcmp(out, cases[i].out))
			fail_msg("case %zu: \"%s\", want \"%s\"", i, out,
				 cases[i].out);
		assert_int_equal(n, strlen(out));
	}
}

static void test_truncation(void **state)
{
	char out[16];

	(void)state;
	/* size 0: nothing written at all */
	memset(out, 'Z', sizeof(out));
	assert_int_equal(ksm_escape("abc", out, 0), 0);
	assert_int_equal(out[0], 'Z');
	assert_int_equal(ksm_escape("abc", out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(ksm_escape("abc", out, 3), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(ksm_escape("abc", out, 4), 3);
	assert_string_equal(out, "abc");
	/* an escape is never cut in half */
	assert_int_equal(ksm_escape("a\n", out, 3), 1);
	assert_string_equal(out, "a");
	assert_int_equal(ksm_escape("a\n", out, 4), 3);
	assert_string_equal(out, "a\\n");
	assert_int_equal(ksm_escape("a\033", out, 5), 1);
	assert_string_equal(out, "a");
	assert_int_equal(ksm_escape("a\033", out, 6), 5);
	assert_string_equal(out, "a\\x1b");
	/* nor a multibyte character */
	assert_int_equal(ksm_escape("\xe2\x82\xac", out, 3), 0);
	assert_string_equal(out, "");
	assert_int_equal(ksm_escape("x\xe2\x82\xac", out, 4), 1);
	assert_string_equal(out, "x");
	assert_int_equal(ksm_escape("x\xe2\x82\xac", out, 5), 4);
	assert_string_equal(out, "x\xe2\x82\xac");
	/* nothing after a cut, even if it would fit */
	assert_int_equal(ksm_escape("ab\ncd", out, 4), 2);
	assert_string_equal(out, "ab");
}

static unsigned long long rng_state = 0x657363617065ULL;

static unsigned int rng(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned int)(rng_state >> 33);
}

/* Random bytes: no control byte ever comes out, and the bound holds. */
static void test_random_bytes(void **state)
{
	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		unsigned char in[40];
		char out[64];
		size_t len = rng() % (sizeof(in) - 1), size = 1 + rng() % sizeof(out);
		size_t n;

		for (size_t i = 0; i < len; i++)
			in[i] = (unsigned char)(1 + rng() % 255);
		in[len] = '\0';
		memset(out, 'Z', sizeof(out));
		n = ksm_escape((const char *)in, out, size);
		assert_true(n < size);
		assert_int_equal(out[n], '\0');
		assert_int_equal(strlen(out), n);
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)out[i];

			if (c < 0x20 || c == 0x7f)
				fail_msg("control byte %#x passed (iteration %d)",
					 c, iter);
			/* 0xc2 0x80..0x9f is a C1 control */
			if (c == 0xc2 && i + 1 < n &&
			    (unsigned char)out[i + 1] <= 0x9f)
				fail_msg("C1 control passed (iteration %d)", iter);
		}
		/* with room enough, plain ASCII text is copied as is */
		if (size == sizeof(out) && len < 16) {
			bool plain = true;

			for (size_t i = 0; i < len; i++)
				plain &= in[i] >= 0x20 && in[i] < 0x7f &&
					 in[i] != '\\';
			if (plain)
				assert_string_equal(out, (const char *)in);
		}
	}
}


/* Undo ksm_escape(): the decoding escape.h promises; -1 if it is none. */
static long unescape(const char *in, char *out)
{
	long n = 0;

	while (*in) {
		unsigned int v;

		if (in[0] == '\\' && in[1] == '\\') {
			out[n++] = '\\';
			in += 2;
		} else if (in[0] == '\\' && (in[1] == 'n' || in[1] == 't' ||
					     in[1] == 'r')) {
			out[n++] = in[1] == 'n' ? '\n' : in[1] == 't' ? '\t' : '\r';
			in += 2;
		} else if (in[0] == '\\' && in[1] == 'x' &&
			   strchr("0123456789abcdef", in[2]) && in[2] &&
			   strchr("0123456789abcdef", in[3]) && in[3] &&
			   sscanf(in + 2, "%2x", &v) == 1 && (v < 0x20 || v >= 0x7f)) {
			out[n++] = (char)v;
			in += 4;
		} else {
			out[n++] = *in++;
		}
	}
	out[n] = '\0';
	return n;
}

/*
 * Injective: every output decodes to its input, so two inputs never share
 * an output; random bytes with many backslashes, x and hex digits.
 */
static void test_injective(void **state)
{
	static const char alphabet[] = "\\\\\\xxnr09afAF\n\t\x1b\x7f\x80\xc3\xa9\xff-.";
	(void)state;
	for (int iter = 0; iter < 50000; iter++) {
		char in[24], out[24 * 4 + 1], back[sizeof(in)];
		size_t len = rng() % (sizeof(in) - 1);

		for (size_t i = 0; i < len; i++)
			in[i] = alphabet[rng() % (sizeof(alphabet) - 1)];
		in[len] = '\0';
		assert_int_equal(ksm_escape(in, out, sizeof(out)), ksm_escape_len(in));
		if (unescape(out, back) != (long)strlen(in) || strcmp(back, in))
			fail_msg("iteration %d: the output does not decode to the input", iter);
	}
	/* the collision of the old unit escape: a byte and its text */
	{
		char a[16], b[16];

		ksm_escape("a\xff" "b", a, sizeof(a));
		ksm_escape("a\\xffb", b, sizeof(b));
		assert_string_not_equal(a, b);
	}
}

/* The guard of whole lines leaves escaped text as it is. */
static void test_controls(void **state)
{
	char out[64], twice[64];
	char *dup;

	(void)state;
	ksm_escape_controls("a\\nb\n\033\xff\\", out, sizeof(out));
	assert_string_equal(out, "a\\nb\\n\\x1b\\xff\\");
	for (int iter = 0; iter < 20000; iter++) {
		unsigned char in[16];
		size_t len = rng() % (sizeof(in) - 1);

		for (size_t i = 0; i < len; i++)
			in[i] = (unsigned char)(1 + rng() % 255);
		in[len] = '\0';
		ksm_escape((const char *)in, out, sizeof(out));
		ksm_escape_controls(out, twice, sizeof(twice));
		assert_string_equal(out, twice);
	}
	dup = ksm_escape_dup("x\033");
	assert_non_null(dup);
	assert_string_equal(dup, "x\\x1b");
	free(dup);
	assert_int_equal(ksm_escape_len(""), 0);
	assert_int_equal(ksm_escape_len("\xff\\n"), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_injective),
		cmocka_unit_test(test_controls),
	};

	return cmocka_run_group_tests_name("escape", tests, NULL, NULL);
}
