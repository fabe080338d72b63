// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The unmerge's memory check: (pages_sharing + ksm_zero_pages) x page
 * size against MemAvailable less a margin.  A counter that could not be
 * read makes the need unknown, and an unknown need never fits.
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

#include "lib/unmerge.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define GIB (1ULL << 30)

/* 32 GiB of RAM, 16 GiB available; sharing and zero pages as given. */
static void sample(struct ksm_sample *s, long page, unsigned long long sharing,
		   long long zero)
{
	memset(s, 0, sizeof(*s));
	s->page_size = page;
	for (int id = 0; id < KSM_KNOB_COUNT; id++)
		s->v[id].err = -ENOENT;
	s->v[KSM_RUN].err = 0;
	s->v[KSM_RUN].u = 1;
	s->v[KSM_PAGES_SHARING].err = 0;
	s->v[KSM_PAGES_SHARING].u = sharing;
	s->v[KSM_PAGES_SHARING].s = (long long)sharing;
	s->v[KSM_ZERO_PAGES].err = 0;
	s->v[KSM_ZERO_PAGES].s = zero;
	s->v[KSM_ZERO_PAGES].u = (unsigned long long)zero;
	s->has_meminfo = true;
	s->mem.bytes[MEM_TOTAL] = 32 * GIB;
	s->mem.present[MEM_TOTAL] = true;
	s->mem.bytes[MEM_AVAILABLE] = 16 * GIB;
	s->mem.present[MEM_AVAILABLE] = true;
}

static void test_estimate(void **state)
{
	struct ksm_unmerge_estimate e;
	struct ksm_sample s;

	(void)state;
	sample(&s, 4096, 1000, 24);
	ksm_unmerge_estimate(&s, &e);
	assert_true(e.known);
	assert_true(e.fits);
	assert_int_equal(e.need_bytes, 1024 * 4096);
	assert_int_equal(e.margin_bytes, 32 * GIB / 100 * 5);
	/* more than available less the margin */
	sample(&s, 4096, 16 * GIB / 4096, 0);
	ksm_unmerge_estimate(&s, &e);
	assert_false(e.fits);
	/* a negative ksm_zero_pages reading counts as none */
	sample(&s, 65536, 10, -5);
	ksm_unmerge_estimate(&s, &e);
	assert_int_equal(e.need_bytes, 10 * 65536);
	/* nothing to unmerge fits, even with memory unknown */
	sample(&s, 4096, 0, 0);
	s.has_meminfo = false;
	ksm_unmerge_estimate(&s, &e);
	assert_true(e.fits);
}

/*
 * pages_sharing or ksm_zero_pages unreadable, in any way: the need is
 * unknown and the verdict is "does not fit", whatever else holds (it
 * was 0 pages: "fits", where gigabytes were needed).
 */
static void test_estimate_unreadable(void **state)
{
	static const enum ksm_knob_id ids[] = { KSM_PAGES_SHARING, KSM_ZERO_PAGES };
	static const int errs[] = {
		-EBADMSG, -EACCES, -EIO, -EISDIR, -EBADFD, -EFBIG, -EINVAL,
	};
	static const unsigned long long sharing[] = { 0, 1, 1000, 4ULL << 20 };
	struct ksm_unmerge_estimate e;
	struct ksm_sample s;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(errs); j++) {
			for (size_t k = 0; k < ARRAY_SIZE(sharing); k++) {
				sample(&s, 4096, sharing[k], 0);
				memset(&s.v[ids[i]], 0, sizeof(s.v[ids[i]]));
				s.v[ids[i]].err = errs[j];
				snprintf(s.held[ids[i]], sizeof(s.held[ids[i]]), "x\n");
				ksm_unmerge_estimate(&s, &e);
				if (e.fits)
					fail_msg("%s unreadable (%d), %llu pages sharing: it fits",
						 ksm_knobs[ids[i]].name, errs[j], sharing[k]);
				assert_false(e.need_known);
				assert_non_null(strstr(e.need_why, ksm_knobs[ids[i]].name));
				if (errs[j] == -EBADMSG)
					assert_non_null(strstr(e.need_why, "it holds 'x'"));
			}
		}
	}
	/* a kernel without ksm_zero_pages (before 6.5): known, fits */
	sample(&s, 4096, 1000, 0);
	s.v[KSM_ZERO_PAGES].err = -ENOENT;
	ksm_unmerge_estimate(&s, &e);
	assert_true(e.need_known);
	assert_true(e.fits);
}


/*
 * The need saturates: pages_sharing near 2^52 made (sharing + zero) x
 * page size wrap to a few bytes, "0B ... fits"; it never fits now.
 */
static void test_estimate_never_wraps(void **state)
{
	static const unsigned long long sharing[] = {
		1ULL << 52, (1ULL << 52) + 1, (1ULL << 52) + 256, 1ULL << 60,
		1ULL << 63, ULLONG_MAX - 1, ULLONG_MAX,
	};
	static const long long zero[] = { 0, 1, 4096, LLONG_MAX };
	static const long pages[] = { 4096, 16384, 65536 };
	struct ksm_unmerge_estimate e;
	struct ksm_sample s;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(sharing); i++)
	for (size_t z = 0; z < ARRAY_SIZE(zero); z++)
	for (size_t p = 0; p < ARRAY_SIZE(pages); p++) {
		sample(&s, pages[p], sharing[i], zero[z]);
		s.mem.bytes[MEM_AVAILABLE] = ULLONG_MAX - 1;	/* plenty */
		ksm_unmerge_estimate(&s, &e);
		if (e.fits || e.need_bytes != ULLONG_MAX)
			fail_msg("%llu pages sharing, %lld zero, %ld-byte pages: need %llu, fits %d",
				 sharing[i], zero[z], pages[p], e.need_bytes, e.fits);
	}
	/* the need plus the margin does not wrap either */
	sample(&s, 4096, (ULLONG_MAX - (64ULL << 20)) / 4096, 0);
	s.mem.bytes[MEM_AVAILABLE] = ULLONG_MAX - 1;
	ksm_unmerge_estimate(&s, &e);
	assert_false(e.fits);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_estimate),
		cmocka_unit_test(test_estimate_unreadable),
		cmocka_unit_test(test_estimate_never_wraps),
	};

	return cmocka_run_group_tests_name("unmerge", tests, NULL, NULL);
}
