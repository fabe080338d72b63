// SPDX-License-Identifier: GPL-2.0-or-later
/* /proc/meminfo: the figures ksmctl needs, in bytes, by exact name. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/meminfo.h"

#define KIB 1024ULL

/* The head of a real 6.12 /proc/meminfo, with lines we do not use. */
static const char real[] =
	"MemTotal:       32803240 kB\n"
	"MemFree:        30000000 kB\n"
	"MemAvailable:   31000000 kB\n"
	"Buffers:          123456 kB\n"
	"Cached:          4567890 kB\n"
	"SwapCached:            0 kB\n"
	"Active:          1234567 kB\n"
	"SwapTotal:       8388604 kB\n"
	"SwapFree:        8388604 kB\n"
	"HugePages_Total:       0\n"
	"Hugepagesize:       2048 kB\n"
	"DirectMap1G:    27262976 kB\n";

static void test_real_file(void **state)
{
	struct ksm_meminfo mi;

	(void)state;
	assert_int_equal(ksm_meminfo_parse(real, &mi), 0);
	assert_true(mi.present[MEM_TOTAL]);
	assert_true(mi.bytes[MEM_TOTAL] == 32803240 * KIB);
	assert_true(mi.bytes[MEM_FREE] == 30000000 * KIB);
	assert_true(mi.bytes[MEM_AVAILABLE] == 31000000 * KIB);
	assert_true(mi.bytes[MEM_BUFFERS] == 123456 * KIB);
	/* "Cached:" only, not "SwapCached:" */
	assert_true(mi.bytes[MEM_CACHED] == 4567890 * KIB);
	assert_true(mi.bytes[MEM_SWAP_TOTAL] == 8388604 * KIB);
	assert_true(mi.present[MEM_SWAP_FREE]);
	/* mainline has no KSM lines */
	assert_false(mi.present[MEM_KSM_ZERO_PAGES]);
	assert_false(mi.present[MEM_KSM_MERGED]);
	assert_int_equal(mi.bytes[MEM_KSM_ZERO_PAGES], 0);
}

static void test_ksm_lines(void **state)
{
	struct ksm_meminfo mi;

	(void)state;
	/* UKSM and this project's patch; the last line lacks its newline */
	assert_int_equal(ksm_meminfo_parse("MemTotal: 100 kB\n"
					   "KsmZeroPages:      12 kB\n"
					   "KsmMerged: 8 kB", &mi), 0);
	assert_true(mi.present[MEM_KSM_ZERO_PAGES]);
	assert_true(mi.bytes[MEM_KSM_ZERO_PAGES] == 12 * KIB);
	assert_true(mi.present[MEM_KSM_MERGED]);
	assert_true(mi.bytes[MEM_KSM_MERGED] == 8 * KIB);
}

static void test_odd_lines(void **state)
{
	struct ksm_meminfo mi;

	(void)state;
	/* a value without a unit counts bytes */
	assert_int_equal(ksm_meminfo_parse("MemTotal: 4096\n", &mi), 0);
	assert_true(mi.bytes[MEM_TOTAL] == 4096);
	/* names match exactly */
	assert_int_equal(ksm_meminfo_parse("MemTotalX: 1 kB\nmemtotal: 1 kB\n"
					   "Mem: 1 kB\n", &mi), -ENODATA);
	/* bad values are left out, not guessed */
	assert_int_equal(ksm_meminfo_parse("MemTotal: 1 kB\nMemFree: abc kB\n"
					   "Cached: 1 MB\nBuffers: 1 kB x\n"
					   "SwapFree:\n", &mi), 0);
	assert_false(mi.present[MEM_FREE]);
	assert_false(mi.present[MEM_CACHED]);
	assert_false(mi.present[MEM_BUFFERS]);
	assert_false(mi.present[MEM_SWAP_FREE]);
	assert_int_equal(mi.bytes[MEM_FREE], 0);
	/* overflow: of the digits, and of the kB multiplication */
	assert_int_equal(ksm_meminfo_parse("MemTotal: 99999999999999999999 kB\n",
					   &mi), -ENODATA);
	assert_int_equal(ksm_meminfo_parse("MemTotal: 18014398509481984 kB\n",
					   &mi), -ENODATA);
	assert_int_equal(ksm_meminfo_parse("MemTotal: 18014398509481983 kB\n",
					   &mi), 0);
	assert_true(mi.bytes[MEM_TOTAL] == 18014398509481983ULL * KIB);
	assert_int_equal(ksm_meminfo_parse("MemTotal: 18446744073709551615\n",
					   &mi), 0);
	assert_true(mi.bytes[MEM_TOTAL] == 18446744073709551615ULL);
	assert_int_equal(ksm_meminfo_parse("MemTotal: 18446744073709551616\n",
					   &mi), -ENODATA);
	/* no MemTotal: nothing to relate the rest to */
	assert_int_equal(ksm_meminfo_parse("", &mi), -ENODATA);
	assert_int_equal(ksm_meminfo_parse("MemFree: 1 kB\n", &mi), -ENODATA);
	assert_true(mi.present[MEM_FREE]);
	/* blank lines and lines without a colon are skipped */
	assert_int_equal(ksm_meminfo_parse("\n\nnonsense\nMemTotal: 2 kB\n\n", &mi),
			 0);
	assert_true(mi.bytes[MEM_TOTAL] == 2 * KIB);
	/* the parse starts clean */
	memset(&mi, 0xff, sizeof(mi));
	assert_int_equal(ksm_meminfo_parse("MemTotal: 2 kB\n", &mi), 0);
	assert_false(mi.present[MEM_SWAP_TOTAL]);
	assert_int_equal(mi.bytes[MEM_SWAP_TOTAL], 0);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ksm_meminfo_name(MEM_TOTAL), "MemTotal");
	assert_string_equal(ksm_meminfo_name(MEM_AVAILABLE), "MemAvailable");
	assert_string_equal(ksm_meminfo_name(MEM_KSM_ZERO_PAGES), "KsmZeroPages");
	for (int f = 0; f < MEM_FIELD_COUNT; f++) {
		char line[64];
		struct ksm_meminfo mi;

		/* every name parses as itself */
		snprintf(line, sizeof(line), "MemTotal: 1 kB\n%s: %d kB\n",
			 ksm_meminfo_name(f), f + 1);
		assert_int_equal(ksm_meminfo_parse(line, &mi), 0);
		assert_true(mi.present[f]);
		if (f != MEM_TOTAL)
			assert_true(mi.bytes[f] == (unsigned long long)(f + 1) * KIB);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_file),
		cmocka_unit_test(test_ksm_lines),
		cmocka_unit_test(test_odd_lines),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("meminfo", tests, NULL, NULL);
}
