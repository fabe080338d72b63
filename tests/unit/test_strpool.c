// SPDX-License-Identifier: GPL-2.0-or-later
/* The string pool: offsets stay good as the buffer grows and moves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/strpool.h"

/* Far more than the first buffer holds: each string is read back whole. */
static void test_offsets_survive_growth(void **state)
{
	struct ksm_strpool p = { 0 };
	static size_t off[5000];
	char text[32];

	(void)state;
	for (size_t i = 0; i < 5000; i++) {
		snprintf(text, sizeof(text), "name-%zu", i);
		assert_int_equal(ksm_strpool_add(&p, text, &off[i]), 0);
	}
	assert_true(p.cap >= p.len);
	for (size_t i = 0; i < 5000; i++) {
		snprintf(text, sizeof(text), "name-%zu", i);
		assert_string_equal(ksm_strpool_at(&p, off[i]), text);
	}
	ksm_strpool_free(&p);
	assert_null(p.buf);
	assert_int_equal(p.len, 0);
}

/* The empty string takes its NUL; a freed pool is usable again. */
static void test_empty_and_reuse(void **state)
{
	struct ksm_strpool p = { 0 };
	size_t a, b;

	(void)state;
	assert_int_equal(ksm_strpool_add(&p, "", &a), 0);
	assert_int_equal(ksm_strpool_add(&p, "x", &b), 0);
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
	assert_string_equal(ksm_strpool_at(&p, a), "");
	ksm_strpool_free(&p);
	assert_int_equal(ksm_strpool_add(&p, "again", &a), 0);
	assert_string_equal(ksm_strpool_at(&p, a), "again");
	ksm_strpool_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offsets_survive_growth),
		cmocka_unit_test(test_empty_and_reuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
