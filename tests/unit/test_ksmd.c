// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Finding the ksmd thread and its CPU time (lib/ksmd.c), and what
 * prctl(PR_SET_MEMORY_MERGE) means on each kernel (lib/mergeany.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/knobs.h"
#include "lib/ksmd.h"
#include "lib/mergeany.h"
#include "testutil.h"

/* /proc/37/stat of ksmd on 6.18 (flags 0x200040: PF_KTHREAD) */
#define KSMD_STAT "37 (ksmd) S 2 0 0 0 -1 2097216 0 0 0 0 12 304 0 0 25 5 1 0 26 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"

static void test_stat_parse(void **state)
{
	struct ksm_task_stat st;

	(void)state;
	assert_int_equal(ksm_task_stat_parse(KSMD_STAT, &st), 0);
	assert_string_equal(st.comm, "ksmd");
	assert_true(st.flags & KSM_PF_KTHREAD);
	assert_true(st.have_times);
	assert_int_equal(st.utime, 12);
	assert_int_equal(st.stime, 304);
	/* a comm with blanks and parentheses: fields count from the last ')' */
	assert_int_equal(ksm_task_stat_parse("99 (a) b (c)) R 1 1 1 0 -1 4194560 5 0 0 0 7 8 0 0 20 0 1 0\n",
					     &st), 0);
	assert_string_equal(st.comm, "a) b (c)");
	assert_false(st.flags & KSM_PF_KTHREAD);
	assert_int_equal(st.utime, 7);
	assert_int_equal(st.stime, 8);
	assert_int_equal(ksm_task_stat_parse("", &st), -EINVAL);
	assert_int_equal(ksm_task_stat_parse("1 (x) S 2 0 0\n", &st), -EINVAL);
	assert_int_equal(ksm_task_stat_parse("1 (x) S 2 0 0 0 -1 zz 0 0 0 0 1 2\n",
					     &st), -EINVAL);
}

/*
 * stat as the committed-memory scan reads it for the name and the
 * flags: a text that ends after the flags (a recorded sysroot) is good
 * for them, without the CPU times.
 */
static void test_stat_parse_flags(void **state)
{
	struct ksm_task_stat st;

	(void)state;
	assert_int_equal(ksm_task_stat_parse(
		"1234 (qemu-system-x86) S 1 1234 1234 0 -1 4194560 100 0 0 0\n",
		&st), 0);
	assert_string_equal(st.comm, "qemu-system-x86");
	assert_int_equal(st.flags, 4194560);
	assert_false(st.have_times);
	assert_int_equal(ksm_task_stat_parse(
		"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0\n", &st), 0);
	assert_true(st.flags & 0x00200000);	/* PF_KTHREAD */
	/* a name may hold spaces and parentheses: the last ')' ends it */
	assert_int_equal(ksm_task_stat_parse("5 (a) b (c)) R 1 5 5 0 -1 64 0\n",
					     &st), 0);
	assert_string_equal(st.comm, "a) b (c)");
	assert_int_equal(st.flags, 64);
	assert_int_equal(ksm_task_stat_parse("5 (x) R 1 5\n", &st), -EINVAL);
	assert_int_equal(ksm_task_stat_parse("garbage", &st), -EINVAL);
}

static void test_schedstat_parse(void **state)
{
	unsigned long long ns;

	(void)state;
	assert_int_equal(ksm_schedstat_parse("3044752933 3427662016 8381\n", &ns), 0);
	assert_int_equal(ns, 3044752933ULL);
	assert_int_equal(ksm_schedstat_parse("", &ns), -EINVAL);
	assert_int_equal(ksm_schedstat_parse("x 1 2\n", &ns), -EINVAL);
	assert_int_equal(ksm_schedstat_parse("12x 1 2\n", &ns), -EINVAL);
}

static void test_find_kthread(void **state)
{
	char *dir = tu_mkroot();
	struct ksm_root *root;
	unsigned long long ns;
	bool precise;

	(void)state;
	tu_write(dir, "proc/1/stat", "1 (systemd) S 0 1 1 0 -1 4194560 0 0 0 0 1 1 0 0\n");
	/* a process that calls itself ksmd is not the thread */
	tu_write(dir, "proc/500/stat", "500 (ksmd) S 1 500 500 0 -1 4194560 0 0 0 0 99 99 0 0\n");
	tu_write(dir, "proc/37/stat", KSMD_STAT);
	tu_write(dir, "proc/self", "not a pid\n");
	assert_int_equal(ksm_root_open(&root, dir), 0);
	assert_int_equal(ksm_find_kthread(root, "ksmd"), 37);
	assert_int_equal(ksm_find_kthread(root, "uksmd"), -ENOENT);
	/* no schedstat: clock ticks */
	assert_int_equal(ksm_task_cpu_ns(root, 37, &ns, &precise), 0);
	assert_false(precise);
	assert_int_equal(ns, (12 + 304) * (1000000000ULL / (unsigned long long)sysconf(_SC_CLK_TCK)));
	tu_write(dir, "proc/37/schedstat", "3044752933 3427662016 8381\n");
	assert_int_equal(ksm_task_cpu_ns(root, 37, &ns, &precise), 0);
	assert_true(precise);
	assert_int_equal(ns, 3044752933ULL);
	assert_int_equal(ksm_task_cpu_ns(root, 38, &ns, &precise), -ENOENT);
	ksm_root_close(root);
	tu_rmtree(dir);
	free(dir);
}

static void test_read_cow_ksm(void **state)
{
	char *dir = tu_mkroot();
	struct ksm_root *root;

	(void)state;
	assert_int_equal(ksm_root_open(&root, dir), 0);
	/* no /proc/vmstat, or no such line: 0 */
	assert_int_equal(ksm_read_cow_ksm(root), 0);
	tu_write(dir, "proc/vmstat", "nr_free_pages 1\ncow_ksm_x 5\n");
	assert_int_equal(ksm_read_cow_ksm(root), 0);
	/* the line in the middle of the file, and at its end */
	tu_write(dir, "proc/vmstat", "nr_free_pages 1\ncow_ksm 1970761\nksm_swpin_copy 0\n");
	assert_int_equal(ksm_read_cow_ksm(root), 1970761ULL);
	tu_write(dir, "proc/vmstat", "nr_free_pages 1\ncow_ksm 42");
	assert_int_equal(ksm_read_cow_ksm(root), 42);
	/* not a number: 0, not a part of one */
	tu_write(dir, "proc/vmstat", "nr_free_pages 1\ncow_ksm 12abc\n");
	assert_int_equal(ksm_read_cow_ksm(root), 0);
	ksm_root_close(root);
	tu_rmtree(dir);
	free(dir);
}

/* The running kernel's own ksmd, when there is one. */
static void test_live_ksmd(void **state)
{
	struct ksm_root *root;
	unsigned long long a, b;
	bool precise;
	pid_t pid;

	(void)state;
	assert_int_equal(ksm_root_open(&root, "/"), 0);
	pid = ksm_find_kthread(root, "ksmd");
	if (pid < 0) {
		ksm_root_close(root);
		skip();
	}
	assert_int_equal(ksm_task_cpu_ns(root, pid, &a, &precise), 0);
	assert_int_equal(ksm_task_cpu_ns(root, pid, &b, &precise), 0);
	assert_true(b >= a);
	ksm_root_close(root);
}

static void test_exec_verdict(void **state)
{
	(void)state;
	assert_int_equal(ksm_exec_verdict(KSM_VERSION(6, 1, 0), -EINVAL),
			 KSM_EXEC_UNAVAILABLE);
	assert_int_equal(ksm_exec_verdict(KSM_VERSION(6, 12, 0), -EINVAL),
			 KSM_EXEC_UNAVAILABLE);
	assert_int_equal(ksm_exec_verdict(KSM_VERSION(6, 4, 0), 0), KSM_EXEC_OLD);
	assert_int_equal(ksm_exec_verdict(KSM_VERSION(6, 9, 12), 0), KSM_EXEC_OLD);
	assert_int_equal(ksm_exec_verdict(KSM_VERSION(6, 10, 0), 0), KSM_EXEC_OK);
	assert_int_equal(ksm_exec_verdict(KSM_VERSION(6, 18, 44), 0), KSM_EXEC_OK);
	/* a backport before 6.4 (RHEL 9): nobody knows about exec */
	assert_int_equal(ksm_exec_verdict(KSM_VERSION(5, 14, 0), 0), KSM_EXEC_OLD);
	/* version unknown: trust the prctl */
	assert_int_equal(ksm_exec_verdict(0, 0), KSM_EXEC_OK);
	assert_int_equal(ksm_exec_verdict(KSM_VERSION(6, 12, 0), -EPERM),
			 KSM_EXEC_FAILED);
}

static void test_read_merge_any(void **state)
{
	char *dir = tu_mkroot();
	struct ksm_root *root;
	enum ksm_tri any = KSM_TRI_UNKNOWN;

	(void)state;
	tu_write(dir, "proc/10/ksm_stat",
		 "ksm_rmap_items 0\nksm_zero_pages 0\nksm_merging_pages 0\n"
		 "ksm_process_profit 0\nksm_merge_any: yes\nksm_mergeable: yes\n");
	tu_write(dir, "proc/11/ksm_stat", "ksm_rmap_items 5\nksm_merge_any: no\n");
	tu_write(dir, "proc/12/ksm_stat", "ksm_rmap_items 5\nksm_zero_pages 0\n");
	tu_write(dir, "proc/13/ksm_stat", "");
	tu_write(dir, "proc/14/status", "Name: old\n");
	assert_int_equal(ksm_root_open(&root, dir), 0);
	assert_int_equal(ksm_read_merge_any(root, 10, &any), 0);
	assert_int_equal(any, KSM_TRI_YES);
	assert_int_equal(ksm_read_merge_any(root, 11, &any), 0);
	assert_int_equal(any, KSM_TRI_NO);
	/* before 6.15 */
	assert_int_equal(ksm_read_merge_any(root, 12, &any), -ENODATA);
	/* a zombie: the kernel prints nothing */
	assert_int_equal(ksm_read_merge_any(root, 13, &any), -ENODATA);
	/* before 6.1: no ksm_stat */
	assert_int_equal(ksm_read_merge_any(root, 14, &any), -ENODATA);
	/* gone */
	assert_int_equal(ksm_read_merge_any(root, 15, &any), -ESRCH);
	ksm_root_close(root);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_parse),
		cmocka_unit_test(test_stat_parse_flags),
		cmocka_unit_test(test_schedstat_parse),
		cmocka_unit_test(test_find_kthread),
		cmocka_unit_test(test_read_cow_ksm),
		cmocka_unit_test(test_live_ksmd),
		cmocka_unit_test(test_exec_verdict),
		cmocka_unit_test(test_read_merge_any),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
