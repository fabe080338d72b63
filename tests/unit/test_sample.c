// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One sample of a sysroot built here, file by file: values as the kernel
 * prints them, knobs a kernel lacks, files that cannot be read, files the
 * table does not know.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/sample.h"
#include "testutil.h"

#define KSM_DIR "sys/kernel/mm/ksm/"

struct fixture {
	char *dir;
	struct ksm_root *root;
};

static const struct {
	const char *name, *shown;
} files_612[] = {
	{ "run", "1\n" },
	{ "pages_to_scan", "100\n" },
	{ "sleep_millisecs", "20\n" },
	{ "merge_across_nodes", "1\n" },
	{ "max_page_sharing", "256\n" },
	{ "use_zero_pages", "0\n" },
	{ "stable_node_chains_prune_millisecs", "2000\n" },
	{ "smart_scan", "1\n" },
	{ "advisor_mode", "none [scan-time]\n" },
	{ "advisor_max_cpu", "70\n" },
	{ "advisor_min_pages_to_scan", "500\n" },
	{ "advisor_max_pages_to_scan", "30000\n" },
	{ "advisor_target_scan_time", "200\n" },
	{ "pages_shared", "16\n" },
	{ "pages_sharing", "4080\n" },
	{ "pages_unshared", "7\n" },
	{ "pages_volatile", "3\n" },
	{ "full_scans", "12\n" },
	{ "stable_node_chains", "1\n" },
	{ "stable_node_dups", "16\n" },
	{ "general_profit", "-4096\n" },
	{ "ksm_zero_pages", "8192\n" },
	{ "pages_scanned", "18446744073709551615\n" },
	{ "pages_skipped", "0\n" },
};

static void write_612(const char *dir)
{
	char rel[128];

	for (size_t i = 0; i < TU_ARRAY_SIZE(files_612); i++) {
		snprintf(rel, sizeof(rel), KSM_DIR "%s", files_612[i].name);
		tu_write(dir, rel, files_612[i].shown);
	}
	tu_write(dir, "proc/sys/kernel/osrelease", "6.12.57+deb13-amd64\n");
	tu_write(dir, "proc/meminfo",
		 "MemTotal:       32803240 kB\n"
		 "MemFree:        30000000 kB\n"
		 "MemAvailable:   31000000 kB\n");
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = tu_mkroot();
	write_612(f->dir);
	assert_int_equal(ksm_root_open(&f->root, f->dir), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ksm_root_close(f->root);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void test_full_612(void **state)
{
	struct fixture *f = *state;
	struct ksm_sample s;
	struct timespec before, after;

	clock_gettime(CLOCK_MONOTONIC, &before);
	assert_int_equal(ksm_sample_read(f->root, &s), 0);
	clock_gettime(CLOCK_MONOTONIC, &after);

	assert_true(ksm_elapsed_ns(&before, &s.when) >= 0);
	assert_true(ksm_elapsed_ns(&s.when, &after) >= 0);
	assert_int_equal(s.page_size, sysconf(_SC_PAGESIZE));
	assert_string_equal(s.release, "6.12.57+deb13-amd64");
	assert_int_equal(s.version, KSM_VERSION(6, 12, 57));
	assert_true(s.has_meminfo);
	assert_true(s.mem.bytes[MEM_AVAILABLE] == 31000000ULL * 1024);
	assert_int_equal(s.unknown_count, 0);

	/* every file of the tree; missing: max_kernel_pages, UKSM's files,
	 * the knobs of the ksmctl kernel patches */
	for (int i = 0; i < KSM_KNOB_COUNT; i++) {
		if (i == KSM_MAX_KERNEL_PAGES ||
		    (ksm_knobs[i].flags & KNOB_PATCH) ||
		    !(ksm_knob_dirs(&ksm_knobs[i]) & KNOB_IN_KSM)) {
			assert_int_equal(s.v[i].err, -ENOENT);
			assert_false(ksm_has(&s, (enum ksm_knob_id)i));
		} else if (s.v[i].err) {
			fail_msg("%s: err %d", ksm_knobs[i].name, s.v[i].err);
		}
	}
	assert_int_equal(ksm_u(&s, KSM_RUN), 1);
	assert_int_equal(ksm_u(&s, KSM_SLEEP_MILLISECS), 20);
	assert_int_equal(ksm_u(&s, KSM_ADVISOR_MODE), 1);	/* [scan-time] */
	assert_int_equal(ksm_u(&s, KSM_PAGES_SHARING), 4080);
	assert_true(ksm_s(&s, KSM_GENERAL_PROFIT) == -4096);
	assert_true(ksm_s(&s, KSM_MAX_PAGE_SHARING) == 256);
	assert_true(ksm_u(&s, KSM_PAGES_SCANNED) == 18446744073709551615ULL);
	assert_int_equal(ksm_u(&s, KSM_MAX_KERNEL_PAGES), 0);
	assert_int_equal(ksm_s(&s, KSM_MAX_KERNEL_PAGES), 0);

	/* a second sample is later */
	struct ksm_sample s2;

	assert_int_equal(ksm_sample_read(f->root, &s2), 0);
	assert_true(ksm_elapsed_ns(&s.when, &s2.when) >= 0);
}

/* A 6.1 kernel: no advisor, no smart_scan, no general_profit. */
static void test_older_kernel(void **state)
{
	struct fixture *f = *state;
	static const char *const absent[] = {
		"advisor_mode", "advisor_max_cpu", "advisor_min_pages_to_scan",
		"advisor_max_pages_to_scan", "advisor_target_scan_time",
		"smart_scan", "general_profit", "ksm_zero_pages",
		"pages_scanned", "pages_skipped",
	};
	struct ksm_sample s;
	char rel[128];

	for (size_t i = 0; i < TU_ARRAY_SIZE(absent); i++) {
		snprintf(rel, sizeof(rel), KSM_DIR "%s", absent[i]);
		tu_unlink(f->dir, rel);
	}
	tu_write(f->dir, "proc/sys/kernel/osrelease", "6.1.0-28-amd64\n");
	assert_int_equal(ksm_sample_read(f->root, &s), 0);
	assert_int_equal(s.version, KSM_VERSION(6, 1, 0));
	for (size_t i = 0; i < TU_ARRAY_SIZE(absent); i++) {
		const struct ksm_knob *k = ksm_knob_find(absent[i]);

		assert_int_equal(s.v[ksm_knob_id(k)].err, -ENOENT);
	}
	assert_int_equal(s.v[KSM_PAGES_TO_SCAN].err, 0);
	assert_true(ksm_s(&s, KSM_GENERAL_PROFIT) == 0);
}

static void test_no_ksm(void **state)
{
	struct fixture *f = *state;
	struct ksm_sample s;

	char path[PATH_MAX];

	/* /sys/kernel/mm exists, its ksm directory does not */
	tu_path(path, sizeof(path), f->dir, "sys/kernel/mm/ksm");
	tu_rmtree(path);
	assert_int_equal(ksm_sample_read(f->root, &s), -ENOENT);
}

static void test_bad_files(void **state)
{
	struct fixture *f = *state;
	char big[300];
	struct ksm_sample s;

	/* one unreadable or garbled file hides nothing else */
	tu_make_dir_instead(f->dir, KSM_DIR "pages_to_scan");
	tu_write(f->dir, KSM_DIR "sleep_millisecs", "twenty\n");
	tu_write(f->dir, KSM_DIR "advisor_mode", "[bogus] none\n");
	tu_write(f->dir, KSM_DIR "pages_shared", "");
	memset(big, '1', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	tu_write(f->dir, KSM_DIR "pages_sharing", big);
	tu_unlink(f->dir, "proc/meminfo");
	tu_unlink(f->dir, "proc/sys/kernel/osrelease");

	assert_int_equal(ksm_sample_read(f->root, &s), 0);
	assert_int_equal(s.v[KSM_PAGES_TO_SCAN].err, -EISDIR);
	assert_int_equal(s.v[KSM_SLEEP_MILLISECS].err, -EBADMSG);
	assert_int_equal(s.v[KSM_ADVISOR_MODE].err, -EBADMSG);
	assert_int_equal(s.v[KSM_PAGES_SHARED].err, -EBADMSG);
	assert_int_equal(s.v[KSM_PAGES_SHARING].err, -EBADMSG);
	assert_int_equal(ksm_u(&s, KSM_PAGES_SHARING), 0);
	assert_false(ksm_has(&s, KSM_PAGES_TO_SCAN));
	assert_int_equal(ksm_u(&s, KSM_RUN), 1);
	assert_int_equal(ksm_u(&s, KSM_FULL_SCANS), 12);
	assert_false(s.has_meminfo);
	assert_string_equal(s.release, "");
	assert_int_equal(s.version, 0);
	assert_int_equal(s.page_size, sysconf(_SC_PAGESIZE));
	/* the directory in place of pages_to_scan is not an unknown file */
	assert_int_equal(s.unknown_count, 0);

	/* meminfo without MemTotal is no meminfo */
	tu_write(f->dir, "proc/meminfo", "MemFree: 1 kB\n");
	assert_int_equal(ksm_sample_read(f->root, &s), 0);
	assert_false(s.has_meminfo);
}

static void test_unknown_files(void **state)
{
	struct fixture *f = *state;
	struct ksm_sample s;
	char rel[128], long_name[100];

	tu_write(f->dir, KSM_DIR "redhat_only_zero_pages", "0\n");
	tu_write(f->dir, KSM_DIR ".hidden", "0\n");
	assert_int_equal(ksm_sample_read(f->root, &s), 0);
	assert_int_equal(s.unknown_count, 1);
	assert_string_equal(s.unknown[0], "redhat_only_zero_pages");

	/* at most 8 are kept, each cut to fit */
	memset(long_name, 'z', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	snprintf(rel, sizeof(rel), KSM_DIR "%s", long_name);
	tu_write(f->dir, rel, "1\n");
	for (int i = 0; i < 10; i++) {
		snprintf(rel, sizeof(rel), KSM_DIR "future_knob_%d", i);
		tu_write(f->dir, rel, "1\n");
	}
	assert_int_equal(ksm_sample_read(f->root, &s), 0);
	assert_int_equal(s.unknown_count, 8);
	for (int i = 0; i < s.unknown_count; i++) {
		assert_true(strlen(s.unknown[i]) < sizeof(s.unknown[0]));
		assert_null(ksm_knob_find(s.unknown[i]));
		assert_true(s.unknown[i][0] != '.');
	}
}

static void test_knob_read_and_path(void **state)
{
	struct fixture *f = *state;
	struct ksm_value v;
	char path[128];

	ksm_knob_path(ksm_knob_find("run"), path, sizeof(path));
	assert_string_equal(path, "sys/kernel/mm/ksm/run");
	ksm_knob_path(&ksm_knobs[KSM_ADVISOR_MAX_CPU], path, sizeof(path));
	assert_string_equal(path, "sys/kernel/mm/ksm/advisor_max_cpu");

	assert_int_equal(ksm_knob_read(f->root, &ksm_knobs[KSM_PAGES_VOLATILE],
				       &v), 0);
	assert_int_equal(v.err, 0);
	assert_int_equal(v.u, 3);
	assert_int_equal(ksm_knob_read(f->root, &ksm_knobs[KSM_MAX_KERNEL_PAGES],
				       &v), -ENOENT);
	assert_int_equal(v.err, -ENOENT);
	/* the bare name a fixture holds after a write */
	tu_write(f->dir, KSM_DIR "advisor_mode", "none");
	assert_int_equal(ksm_knob_read(f->root, &ksm_knobs[KSM_ADVISOR_MODE], &v),
			 0);
	assert_int_equal(v.u, 0);
}


/*
 * Fail closed: every way a file can hold no value is -EBADMSG, told apart
 * from a file the kernel lacks (-ENOENT), kept (what it held) for the
 * message, and never read as 0.
 */
static void test_garbage_is_not_absent(void **state)
{
	static const char *const garbage[] = {
		"", "\n", "x", "x\n", "garbage\n", "1x\n", "0x10\n", " 1\n",
		"1.5\n", "\xff\n", "-\n", "+\n", "1\n\n", "18446744073709551616\n",
		"\033[2J\n", "[none\n", "none scan-time\n",
	};
	struct fixture *f = *state;
	struct ksm_sample s;
	char rel[128], why[256];

	for (size_t g = 0; g < TU_ARRAY_SIZE(garbage); g++) {
		for (size_t i = 0; i < TU_ARRAY_SIZE(files_612); i++) {
			const struct ksm_knob *k = ksm_knob_find(files_612[i].name);
			enum ksm_knob_id id = ksm_knob_id(k);
			struct ksm_value v;

			/* some of these are a value of some knob: skip those */
			if (!ksm_knob_parse_shown(k, garbage[g], &v))
				continue;
			snprintf(rel, sizeof(rel), KSM_DIR "%s", files_612[i].name);
			tu_write(f->dir, rel, garbage[g]);
			assert_int_equal(ksm_sample_read(f->root, &s), 0);
			if (s.v[id].err != -EBADMSG)
				fail_msg("%s holding \"%s\": err %d, not -EBADMSG",
					 k->name, garbage[g], s.v[id].err);
			assert_true(ksm_bad(&s, id));
			assert_false(ksm_has(&s, id));
			assert_string_equal(s.held[id], garbage[g]);
			ksm_sample_why(&s, id, why, sizeof(why));
			/* one line, no control byte, says what it held */
			for (const char *c = why; *c; c++)
				assert_true((unsigned char)*c >= 0x20 && *c != 0x7f);
			if (garbage[g][0] == '\0' || !strcmp(garbage[g], "\n"))
				assert_non_null(strstr(why, "it is empty"));
			else
				assert_non_null(strstr(why, "it holds '"));
			tu_write(f->dir, rel, files_612[i].shown);
		}
	}
	/* what it held, escaped; a long one cut */
	tu_write(f->dir, KSM_DIR "run", "\033[2J\xff\n");
	assert_int_equal(ksm_sample_read(f->root, &s), 0);
	ksm_sample_why(&s, KSM_RUN, why, sizeof(why));
	assert_string_equal(why, "it holds '\\x1b[2J\\xff', not a number");
	tu_write(f->dir, KSM_DIR "advisor_mode", "bogus\n");
	tu_write(f->dir, KSM_DIR "use_zero_pages", "x\n");
	tu_write(f->dir, KSM_DIR "pages_shared",
		 "0123456789012345678901234567890123456789\n");
	assert_int_equal(ksm_sample_read(f->root, &s), 0);
	ksm_sample_why(&s, KSM_ADVISOR_MODE, why, sizeof(why));
	assert_string_equal(why, "it holds 'bogus', not one of its modes");
	ksm_sample_why(&s, KSM_USE_ZERO_PAGES, why, sizeof(why));
	assert_string_equal(why, "it holds 'x', not a boolean");
	ksm_sample_why(&s, KSM_PAGES_SHARED, why, sizeof(why));
	assert_string_equal(why, "it holds '0123456789012345678901234567...', not a number");
	/* unreadable: the read's error */
	tu_make_dir_instead(f->dir, KSM_DIR "full_scans");
	tu_symlink(f->dir, KSM_DIR "pages_unshared", "/dev/zero");
	assert_int_equal(ksm_sample_read(f->root, &s), 0);
	assert_int_equal(s.v[KSM_FULL_SCANS].err, -EISDIR);
	assert_int_equal(s.v[KSM_PAGES_UNSHARED].err, -EBADFD);
	assert_true(ksm_bad(&s, KSM_FULL_SCANS));
	ksm_sample_why(&s, KSM_PAGES_UNSHARED, why, sizeof(why));
	assert_string_equal(why, "cannot read it: not a regular file (a FIFO, socket or device)");
	/* absent, or not read: not bad */
	assert_int_equal(s.v[KSM_MAX_KERNEL_PAGES].err, -ENOENT);
	assert_false(ksm_bad(&s, KSM_MAX_KERNEL_PAGES));
	s.v[KSM_RUN].err = -ENODATA;
	assert_false(ksm_bad(&s, KSM_RUN));
	/* a decision's needs: the first bad one, named */
	assert_int_equal(KSM_NEED(&s, NULL, why, sizeof(why), KSM_RUN,
				  KSM_MAX_KERNEL_PAGES, KSM_SLEEP_MILLISECS), 0);
	{
		enum ksm_knob_id culprit = KSM_RUN;

		assert_int_equal(KSM_NEED(&s, &culprit, why, sizeof(why),
					  KSM_SLEEP_MILLISECS, KSM_PAGES_SHARED,
					  KSM_FULL_SCANS), -EBADMSG);
		assert_int_equal(culprit, KSM_PAGES_SHARED);
		assert_non_null(strstr(why, "pages_shared: it holds '01234"));
	}
}

/* A KSM path that exists but is not a directory: an error, not "stopped". */
static void test_ksm_dir_not_a_directory(void **state)
{
	struct fixture *f = *state;
	struct ksm_sample s;
	char path[PATH_MAX];

	tu_path(path, sizeof(path), f->dir, "sys/kernel/mm/ksm");
	tu_rmtree(path);
	tu_write(f->dir, "sys/kernel/mm/ksm", "1\n");
	assert_int_equal(ksm_sample_read(f->root, &s), -ENOTDIR);
	unlink(path);
	assert_int_equal(mkfifo(path, 0644), 0);
	alarm(10);
	assert_int_equal(ksm_sample_read(f->root, &s), -ENOTDIR);
	alarm(0);
	unlink(path);
	assert_int_equal(symlink("/dev/null", path), 0);
	assert_int_equal(ksm_sample_read(f->root, &s), -ENOTDIR);
	/* UKSM's directory too */
	unlink(path);
	tu_write(f->dir, "sys/kernel/mm/uksm", "");
	assert_int_equal(ksm_sample_read(f->root, &s), -ENOTDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_612, setup, teardown),
		cmocka_unit_test_setup_teardown(test_older_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_ksm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_is_not_absent, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ksm_dir_not_a_directory, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_knob_read_and_path, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("sample", tests, NULL, NULL);
}
