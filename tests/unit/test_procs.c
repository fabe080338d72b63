// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Per-process KSM figures: ksm_stat parsing for every kernel generation,
 * the verdict rule, naming (cgroup -> unit / VM, qemu's -name), the scan
 * over a fixture /proc (kernel threads, vanished, unreadable processes),
 * grouping and totals, and how the totals relate to the global counters.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/metrics.h"
#include "lib/procs.h"
#include "testutil.h"

#define PAGE 4096L
#define BIT(f) KSM_PF_BIT(f)

static const char stat_615[] =
	"ksm_rmap_items 600\n"
	"ksm_zero_pages 20\n"
	"ksm_merging_pages 450\n"
	"ksm_process_profit 1888000\n"
	"ksm_merge_any: no\n"
	"ksm_mergeable: yes\n";

/* ---- parsing ---------------------------------------------------------- */

static void test_parse_615(void **state)
{
	struct ksm_procstat st;

	(void)state;
	assert_int_equal(ksm_procstat_parse(stat_615, &st), 0);
	assert_int_equal(st.have, BIT(KSM_PF_RMAP) | BIT(KSM_PF_ZERO) |
			 BIT(KSM_PF_MERGING) | BIT(KSM_PF_PROFIT) |
			 BIT(KSM_PF_MERGE_ANY) | BIT(KSM_PF_MERGEABLE));
	assert_int_equal(st.rmap_items, 600);
	assert_int_equal(st.zero_pages, 20);
	assert_int_equal(st.merging_pages, 450);
	assert_int_equal(st.profit, 1888000);
	assert_true(st.profit_known);
	assert_false(st.profit_computed);
	assert_int_equal(st.merge_any, KSM_TRI_NO);
	assert_int_equal(st.mergeable, KSM_TRI_YES);
}

/* 6.1: one line; 6.4-6.14: no yes/no lines: those stay unknown. */
static void test_parse_older(void **state)
{
	struct ksm_procstat st;

	(void)state;
	assert_int_equal(ksm_procstat_parse("ksm_rmap_items 17\n", &st), 0);
	assert_int_equal(st.have, BIT(KSM_PF_RMAP));
	assert_int_equal(st.rmap_items, 17);
	assert_int_equal(st.merge_any, KSM_TRI_UNKNOWN);
	assert_int_equal(st.mergeable, KSM_TRI_UNKNOWN);
	assert_false(st.profit_known);

	assert_int_equal(ksm_procstat_parse("ksm_rmap_items 5\nksm_zero_pages 0\n"
					    "ksm_merging_pages 1\n"
					    "ksm_process_profit -3\n", &st), 0);
	assert_int_equal(st.profit, -3);
	assert_int_equal(st.merge_any, KSM_TRI_UNKNOWN);
	assert_false(st.have & BIT(KSM_PF_MERGEABLE));
}

/* Fields are found by name, in any order; unknown lines are skipped. */
static void test_parse_unknown_lines(void **state)
{
	struct ksm_procstat st;

	(void)state;
	assert_int_equal(ksm_procstat_parse(
		"ksm_future_thing: 12 pages\n"
		"ksm_mergeable: no\n"
		"ksm_cow_pages 99\n"
		"ksm_rmap_items\t8\n"
		"ksm_rmap_items_extra 5\n"
		"garbage line without a value\n"
		"\n"
		"ksm_merging_pages 3", &st), 0);
	assert_int_equal(st.rmap_items, 8);
	assert_int_equal(st.merging_pages, 3);
	assert_int_equal(st.cow_pages, 99);
	assert_int_equal(st.mergeable, KSM_TRI_NO);
	assert_true(st.have & BIT(KSM_PF_COW));
	assert_false(st.have & BIT(KSM_PF_ZERO));
}

static void test_parse_empty_and_bad(void **state)
{
	struct ksm_procstat st;

	(void)state;
	/* a kernel thread or a zombie: the kernel prints nothing */
	assert_int_equal(ksm_procstat_parse("", &st), -ENODATA);
	assert_int_equal(ksm_procstat_parse("\n", &st), -ENODATA);
	assert_int_equal(ksm_procstat_parse("something_else 1\n", &st), -ENODATA);
	assert_int_equal(ksm_procstat_parse("ksm_rmap_items abc\n", &st), -EINVAL);
	assert_int_equal(ksm_procstat_parse("ksm_rmap_items -1\n", &st), -EINVAL);
	assert_int_equal(ksm_procstat_parse("ksm_rmap_items\n", &st), -EINVAL);
	assert_int_equal(ksm_procstat_parse("ksm_merge_any: maybe\n", &st), -EINVAL);
	assert_int_equal(ksm_procstat_parse("ksm_rmap_items 99999999999999999999\n",
					    &st), -EINVAL);
	/* a negative zero-page count is an accounting blip, not a debt */
	assert_int_equal(ksm_procstat_parse("ksm_zero_pages -2\n", &st), 0);
	assert_int_equal(st.zero_pages, 0);
}

static void test_parse_merging_file(void **state)
{
	struct ksm_procstat st = { 0 };

	(void)state;
	assert_int_equal(ksm_procstat_parse_merging("1234\n", &st), 0);
	assert_int_equal(st.merging_pages, 1234);
	assert_true(st.have & BIT(KSM_PF_MERGING));
	assert_int_equal(ksm_procstat_parse_merging("", &st), -ENODATA);
	assert_int_equal(ksm_procstat_parse_merging("x\n", &st), -EINVAL);
}

/* ---- derived figures -------------------------------------------------- */

static void test_profit_computed(void **state)
{
	struct ksm_procstat st;

	(void)state;
	/* 6.1: rmap from ksm_stat, merging from its own file */
	assert_int_equal(ksm_procstat_parse("ksm_rmap_items 1000\n", &st), 0);
	assert_int_equal(ksm_procstat_parse_merging("100\n", &st), 0);
	ksm_procstat_finish(&st, PAGE);
	assert_true(st.profit_known);
	assert_true(st.profit_computed);
	assert_int_equal(st.profit, 100 * PAGE - 1000 * KSM_RMAP_ITEM_SIZE);

	/* reported: kept as the kernel said, even if it differs */
	assert_int_equal(ksm_procstat_parse(stat_615, &st), 0);
	ksm_procstat_finish(&st, PAGE);
	assert_int_equal(st.profit, 1888000);
	assert_false(st.profit_computed);

	/* 5.19: merging pages only: no rmap, no profit */
	memset(&st, 0, sizeof(st));
	assert_int_equal(ksm_procstat_parse_merging("100\n", &st), 0);
	ksm_procstat_finish(&st, PAGE);
	assert_false(st.profit_known);

	/* never clamped: a loss stays a loss */
	assert_int_equal(ksm_procstat_parse("ksm_rmap_items 300000\n"
					    "ksm_merging_pages 1000\n", &st), 0);
	ksm_procstat_finish(&st, PAGE);
	assert_true(st.profit < 0);
	assert_int_equal(st.profit, 1000 * PAGE - 300000 * KSM_RMAP_ITEM_SIZE);
}

static struct ksm_procstat stat_of(unsigned long long rmap,
				   unsigned long long merging,
				   unsigned long long zero)
{
	struct ksm_procstat st = {
		.have = BIT(KSM_PF_RMAP) | BIT(KSM_PF_MERGING) | BIT(KSM_PF_ZERO),
		.rmap_items = rmap, .merging_pages = merging, .zero_pages = zero,
		.merge_any = KSM_TRI_UNKNOWN, .mergeable = KSM_TRI_UNKNOWN,
	};

	return st;
}

static void test_verdict(void **state)
{
	long limit = PAGE / KSM_RMAP_ITEM_SIZE;	/* 64 on 64-bit, 128 on 32 */
	struct ksm_procstat st;

	(void)state;
	assert_int_equal(limit, sizeof(long) == 8 ? 64 : 128);
	st = stat_of(0, 0, 0);
	assert_int_equal(ksm_procstat_verdict(&st, PAGE), KSM_VERDICT_NONE);
	st = stat_of(10, 0, 0);
	assert_int_equal(ksm_procstat_verdict(&st, PAGE), KSM_VERDICT_WASTE);
	st = stat_of(100 * limit, 100, 0);
	assert_int_equal(ksm_procstat_verdict(&st, PAGE), KSM_VERDICT_OK);
	st = stat_of(100 * limit + 1, 100, 0);
	assert_int_equal(ksm_procstat_verdict(&st, PAGE), KSM_VERDICT_WASTE);
	/* pages merged with the zero page are savings too */
	st = stat_of(1000, 0, 900);
	assert_int_equal(ksm_procstat_verdict(&st, PAGE), KSM_VERDICT_OK);
	/* 64 KiB pages: the break-even ratio is 1024 */
	st = stat_of(1000, 1, 0);
	assert_int_equal(ksm_procstat_verdict(&st, 65536), KSM_VERDICT_OK);
	/* without rmap items (5.19) there is nothing to judge */
	st = stat_of(10, 0, 0);
	st.have = BIT(KSM_PF_MERGING);
	assert_int_equal(ksm_procstat_verdict(&st, PAGE), KSM_VERDICT_NONE);
	assert_string_equal(ksm_verdict_text(KSM_VERDICT_WASTE), "waste");
	assert_string_equal(ksm_verdict_text(KSM_VERDICT_NONE), "");
}

static void test_involved(void **state)
{
	struct ksm_procstat st = stat_of(0, 0, 0);

	(void)state;
	assert_false(ksm_procstat_involved(&st));
	st.mergeable = KSM_TRI_NO;
	assert_false(ksm_procstat_involved(&st));
	st.mergeable = KSM_TRI_YES;
	assert_true(ksm_procstat_involved(&st));
	st = stat_of(1, 0, 0);
	assert_true(ksm_procstat_involved(&st));
	st = stat_of(0, 0, 0);
	st.merge_any = KSM_TRI_YES;
	assert_true(ksm_procstat_involved(&st));
}

static void test_status_euid(void **state)
{
	unsigned int uid = 99;

	(void)state;
	assert_int_equal(ksm_status_euid("Name:\tx\nUid:\t0\t1000\t1000\t1000\n"
					 "Gid:\t0\t0\t0\t0\n", &uid), 0);
	assert_int_equal(uid, 1000);
	assert_int_equal(ksm_status_euid("Uid:\t65534\t65534\t65534\t65534\n", &uid), 0);
	assert_int_equal(uid, 65534);
	assert_int_equal(ksm_status_euid("Name:\tUid:\t5\n", &uid), -ENODATA);
	assert_int_equal(ksm_status_euid("Uid:\t1\n", &uid), -EINVAL);
	assert_int_equal(ksm_status_euid("", &uid), -ENODATA);
}

/* ---- naming ----------------------------------------------------------- */

static void test_cgroup_path(void **state)
{
	char out[256];

	(void)state;
	ksm_cgroup_path("0::/system.slice/foo.service\n", out, sizeof(out));
	assert_string_equal(out, "/system.slice/foo.service");
	/* hybrid: v1 entries first, the v2 one last */
	ksm_cgroup_path("12:cpu,cpuacct:/system.slice/a.service\n"
			"1:name=systemd:/system.slice/a.service\n"
			"0::/system.slice/a.service\n", out, sizeof(out));
	assert_string_equal(out, "/system.slice/a.service");
	/* v1 only: systemd's own hierarchy */
	ksm_cgroup_path("3:memory:/x\n1:name=systemd:/user.slice/b.scope\n",
			out, sizeof(out));
	assert_string_equal(out, "/user.slice/b.scope");
	/* a delegated user may put a newline in a name: kept whole */
	ksm_cgroup_path("0::/user.slice/x\nred.scope\n", out, sizeof(out));
	assert_string_equal(out, "/user.slice/x\nred.scope");
	ksm_cgroup_path("", out, sizeof(out));
	assert_string_equal(out, "");
	ksm_cgroup_path("0::/\n", out, sizeof(out));
	assert_string_equal(out, "/");
	/* truncated, never overflowed */
	ksm_cgroup_path("0::/abcdefgh\n", out, 5);
	assert_string_equal(out, "/abc");
}

static void test_cgroup_unit(void **state)
{
	static const struct { const char *path, *unit; } cases[] = {
		{ "/system.slice/foo.service", "foo.service" },
		{ "/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope",
		  "x.scope" },
		{ "/user.slice/user-1000.slice/user@1000.service", "user@1000.service" },
		{ "/system.slice/docker-0123abcd.scope", "docker-0123abcd.scope" },
		{ "/machine.slice/libpod-99ff.scope/container", "libpod-99ff.scope" },
		{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/"
		  "cri-containerd-ab12.scope", "cri-containerd-ab12.scope" },
		{ "/system.slice/foo.service/payload", "foo.service" },
		{ "/machine.slice/machine-qemu\\x2d3\\x2dguest.scope/libvirt/emulator",
		  "machine-qemu\\x2d3\\x2dguest.scope" },
		{ "/init.scope", "init.scope" },
		{ "/", "" },
		{ "/user.slice", "" },
		{ "/docker/0123abcd", "" },
		{ "/a/.scope", "" },
		{ "", "" },
	};
	char out[256];

	(void)state;
	for (size_t i = 0; i < TU_ARRAY_SIZE(cases); i++) {
		ksm_cgroup_unit(cases[i].path, out, sizeof(out));
		assert_string_equal(out, cases[i].unit);
	}
}

static void test_cgroup_vm(void **state)
{
	static const struct { const char *path, *vm; } cases[] = {
		{ "/machine.slice/machine-qemu\\x2d3\\x2dguest.scope", "guest" },
		{ "/machine.slice/machine-qemu\\x2d3\\x2dguest.scope/libvirt/emulator",
		  "guest" },
		{ "/machine.slice/machine-qemu\\x2d12\\x2dmy\\x2dvm.scope", "my-vm" },
		/* libvirt before the id was added */
		{ "/machine.slice/machine-qemu\\x2dold.scope", "old" },
		{ "/machine.slice/machine-qemu\\x2d4\\x2d7\\x2dup.scope", "7-up" },
		{ "/machine.slice/machine-lxc\\x2d1\\x2dc1.scope", "" },
		{ "/machine.slice/machine-foo.scope", "" },
		{ "/system.slice/qemu.service", "" },
		{ "/machine.slice/machine-qemu\\x2d5\\x2d.scope", "" },
		{ "", "" },
	};
	char out[256];

	(void)state;
	for (size_t i = 0; i < TU_ARRAY_SIZE(cases); i++) {
		ksm_cgroup_vm(cases[i].path, out, sizeof(out));
		assert_string_equal(out, cases[i].vm);
	}
}

static void vm_of(const char *cmdline, size_t len, const char *want)
{
	char out[64];

	ksm_cmdline_vm(cmdline, len, out, sizeof(out));
	assert_string_equal(out, want);
}

#define VM_OF(lit, want) vm_of(lit, sizeof(lit) - 1, want)

static void test_cmdline_vm(void **state)
{
	(void)state;
	VM_OF("/usr/bin/qemu-system-x86_64\0-name\0guest=web01,debug-threads=on\0-m\0001024\0",
	      "web01");
	VM_OF("qemu-kvm\0-name\0plain\0", "plain");
	VM_OF("qemu-kvm\0-name\0plain,process=qemu:plain\0", "plain");
	VM_OF("qemu-kvm\0-name\0process=p,guest=late\0", "late");
	VM_OF("qemu-kvm\0--name\0dd\0", "dd");
	/* ",," is an escaped comma */
	VM_OF("qemu\0-name\0a,,b,debug-threads=on\0", "a,b");
	VM_OF("qemu\0-name\0guest=x,,y\0", "x,y");
	VM_OF("qemu\0-m\0001024\0", "");
	VM_OF("qemu\0-name\0", "");
	VM_OF("qemu\0-name", "");
	VM_OF("qemu\0-namex\0n\0", "");
	VM_OF("", "");
}

static void test_unit_unescape(void **state)
{
	char s[64];

	(void)state;
	strcpy(s, "qemu\\x2d3\\x2dguest");
	ksm_unit_unescape(s);
	assert_string_equal(s, "qemu-3-guest");
	strcpy(s, "a\\x5cb\\x2");
	ksm_unit_unescape(s);
	assert_string_equal(s, "a\\b\\x2");
	/* "\x00" would cut the name: left as it is */
	strcpy(s, "a\\x00b\\xZZ");
	ksm_unit_unescape(s);
	assert_string_equal(s, "a\\x00b\\xZZ");
}

/* ---- the scan --------------------------------------------------------- */

struct fixture {
	char *root;
	struct ksm_root *handle;
};

static void add_proc(const char *root, int pid, const char *comm,
		     const char *uid, const char *cgroup, const char *stat)
{
	char rel[64], text[256];

	snprintf(rel, sizeof(rel), "proc/%d/comm", pid);
	tu_write(root, rel, comm);
	snprintf(rel, sizeof(rel), "proc/%d/status", pid);
	snprintf(text, sizeof(text), "Name:\tx\nUid:\t%s\t%s\t%s\t%s\nGid:\t0\n",
		 uid, uid, uid, uid);
	tu_write(root, rel, text);
	snprintf(rel, sizeof(rel), "proc/%d/cgroup", pid);
	tu_write(root, rel, cgroup);
	if (stat) {
		snprintf(rel, sizeof(rel), "proc/%d/ksm_stat", pid);
		tu_write(root, rel, stat);
	}
}

#define STAT(rmap, zero, merging, any, able)					\
	"ksm_rmap_items " #rmap "\nksm_zero_pages " #zero "\n"			\
	"ksm_merging_pages " #merging "\n"					\
	"ksm_process_profit 0\nksm_merge_any: " any "\nksm_mergeable: " able "\n"

/* A 6.15 /proc: users, a kernel thread, a vanished and a broken process. */
static int setup_615(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->root = tu_mkroot();
	add_proc(f->root, 1, "systemd\n", "0", "0::/init.scope\n",
		 STAT(0, 0, 0, "no", "no"));
	add_proc(f->root, 2, "kthreadd\n", "0", "0::/\n", "");
	add_proc(f->root, 100, "qemu-system-x86\n", "0",
		 "0::/machine.slice/machine-qemu\\x2d1\\x2dweb.scope/libvirt/emulator\n",
		 STAT(600, 10, 500, "no", "yes"));
	tu_write(f->root, "proc/100/cmdline", "qemu-system-x86_64");
	add_proc(f->root, 200, "java\n", "65534", "0::/system.slice/app.service\n",
		 STAT(100, 0, 40, "no", "yes"));
	add_proc(f->root, 201, "java\n", "65534", "0::/system.slice/app.service\n",
		 STAT(100, 0, 60, "yes", "yes"));
	add_proc(f->root, 300, "esc\x1b[2J\n\n", "0", "0::/system.slice/x.service\n",
		 STAT(5000, 0, 1, "no", "yes"));
	/* vanished between readdir and open: its files are gone */
	tu_mkdirs(f->root, "proc/400");
	/* unreadable: a directory where the file should be (EISDIR) */
	add_proc(f->root, 500, "odd\n", "0", "0::/\n", NULL);
	tu_mkdirs(f->root, "proc/500/ksm_stat");
	/* not pids */
	tu_mkdirs(f->root, "proc/sys");
	tu_mkdirs(f->root, "proc/0100");
	assert_int_equal(ksm_root_open(&f->handle, f->root), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ksm_root_close(f->handle);
	tu_rmtree(f->root);
	free(f->root);
	free(f);
	return 0;
}

static const struct ksm_proc *find(const struct ksm_procs *p, int pid)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].pid == pid)
			return &p->v[i];
	return NULL;
}

static const unsigned int need_all = KSM_NEED_COMM | KSM_NEED_UID |
				     KSM_NEED_CGROUP | KSM_NEED_VM;

static void test_scan_default(void **state)
{
	struct fixture *f = *state;
	struct ksm_scan_opts o = { .page_size = PAGE, .need = need_all };
	const struct ksm_proc *p;
	struct ksm_procs procs;
	struct passwd *pw;

	assert_int_equal(ksm_procs_scan(f->handle, &o, &procs), 0);
	/* 1 has no KSM use, 2 is a kernel thread, 400 vanished, 500 broken */
	assert_int_equal(procs.n, 4);
	assert_int_equal(procs.seen, 8);
	assert_int_equal(procs.kthreads, 1);
	assert_int_equal(procs.vanished, 1);
	assert_int_equal(procs.denied, 0);
	assert_int_equal(procs.failed, 1);
	assert_int_equal(procs.failed_err, -EISDIR);
	assert_string_equal(procs.failed_path, "proc/500/ksm_stat");
	assert_int_equal(ksm_procs_missing(&procs), 0);
	assert_null(find(&procs, 1));

	p = find(&procs, 100);
	assert_non_null(p);
	assert_string_equal(ksm_procs_str(&procs, p->comm), "qemu-system-x86");
	assert_string_equal(ksm_procs_str(&procs, p->unit),
			    "machine-qemu\\x2d1\\x2dweb.scope");
	/* no -name on the command line: the libvirt scope names it */
	assert_string_equal(ksm_procs_str(&procs, p->vm), "web");
	assert_string_equal(ksm_procs_str(&procs, p->user), "root");
	assert_true(p->has_uid);
	assert_int_equal(p->uid, 0);
	assert_int_equal(p->st.merging_pages, 500);
	assert_int_equal(p->st.mergeable, KSM_TRI_YES);

	p = find(&procs, 300);
	assert_non_null(p);
	/* only the kernel's newline is stripped; the rest is the output's
	 * business to escape */
	assert_string_equal(ksm_procs_str(&procs, p->comm), "esc\x1b[2J\n");
	assert_string_equal(ksm_procs_str(&procs, p->vm), "");
	p = find(&procs, 200);
	pw = getpwuid(65534);
	assert_string_equal(ksm_procs_str(&procs, p->user),
			    pw ? pw->pw_name : "65534");
	assert_int_equal(p->uid, 65534);
	ksm_procs_free(&procs);
}

static void test_scan_needs_little(void **state)
{
	struct fixture *f = *state;
	struct ksm_scan_opts o = { .page_size = PAGE };
	struct ksm_procs procs;

	/* nothing asked for: names stay empty (and unread) */
	assert_int_equal(ksm_procs_scan(f->handle, &o, &procs), 0);
	assert_int_equal(procs.n, 4);
	for (size_t i = 0; i < procs.n; i++) {
		assert_int_equal(procs.v[i].comm, 0);
		assert_int_equal(procs.v[i].unit, 0);
		assert_false(procs.v[i].has_uid);
	}
	ksm_procs_free(&procs);
}

static void test_scan_all_and_user(void **state)
{
	struct fixture *f = *state;
	struct ksm_scan_opts o = { .page_size = PAGE, .all = true,
				   .need = KSM_NEED_UID };
	struct ksm_procs procs;

	assert_int_equal(ksm_procs_scan(f->handle, &o, &procs), 0);
	assert_int_equal(procs.n, 5);		/* pid 1 too */
	assert_non_null(find(&procs, 1));
	ksm_procs_free(&procs);

	o.all = false;
	o.by_uid = true;
	o.uid = 65534;
	assert_int_equal(ksm_procs_scan(f->handle, &o, &procs), 0);
	assert_int_equal(procs.n, 2);
	assert_non_null(find(&procs, 200));
	assert_non_null(find(&procs, 201));
	ksm_procs_free(&procs);
}

static void test_scan_pids(void **state)
{
	struct fixture *f = *state;
	const int pids[] = { 1, 2, 200, 400, 500, 999 };
	int errs[TU_ARRAY_SIZE(pids)];
	struct ksm_scan_opts o = {
		.page_size = PAGE, .pids = pids, .npids = TU_ARRAY_SIZE(pids),
		.pid_err = errs,
	};
	struct ksm_procs procs;

	assert_int_equal(ksm_procs_scan(f->handle, &o, &procs), 0);
	/* asked for: shown even without KSM use */
	assert_int_equal(procs.n, 2);
	assert_non_null(find(&procs, 1));
	assert_non_null(find(&procs, 200));
	assert_int_equal(errs[0], 0);
	assert_int_equal(errs[1], -ENODATA);
	assert_int_equal(errs[2], 0);
	assert_int_equal(errs[3], -ESRCH);
	assert_int_equal(errs[4], -EISDIR);
	assert_int_equal(errs[5], -ESRCH);
	ksm_procs_free(&procs);
}

/*
 * EACCES for real: another user's 0400 ksm_stat, read by an unprivileged
 * child (as nobody when we are root, so root's DAC override does not
 * hide it).  The child reports counts in its exit status.
 */
static int scan_unprivileged(void *data)
{
	const struct fixture *f = data;
	struct ksm_scan_opts o = { .page_size = PAGE, .need = KSM_NEED_COMM };
	struct ksm_procs procs;
	int rc;

	if (ksm_procs_scan(f->handle, &o, &procs))
		return 200;
	rc = (int)(procs.denied * 10 + procs.n);
	ksm_procs_free(&procs);
	return rc;
}

static void test_scan_eacces(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];

	tu_path(path, sizeof(path), f->root, "proc/100/ksm_stat");
	assert_int_equal(chmod(path, 0), 0);
	tu_path(path, sizeof(path), f->root, "proc/200/ksm_stat");
	assert_int_equal(chmod(path, 0), 0);
	/* 2 denied, 2 processes (201, 300) still readable */
	assert_int_equal(tu_as_nobody(scan_unprivileged, f), 2 * 10 + 2);
}

/* 5.19 / 6.0: no ksm_stat, only ksm_merging_pages. */
static void test_scan_merging_only(void **state)
{
	char *root = tu_mkroot();
	struct ksm_scan_opts o = { .page_size = PAGE, .need = KSM_NEED_COMM };
	struct ksm_root *h;
	struct ksm_procs procs;

	(void)state;
	tu_write(root, "proc/10/comm", "a\n");
	tu_write(root, "proc/10/ksm_merging_pages", "0\n");
	tu_write(root, "proc/11/comm", "b\n");
	tu_write(root, "proc/11/ksm_merging_pages", "77\n");
	tu_write(root, "proc/12/ksm_merging_pages", "");	/* kthread */
	tu_mkdirs(root, "proc/13");				/* gone */
	assert_int_equal(ksm_root_open(&h, root), 0);
	assert_int_equal(ksm_procs_scan(h, &o, &procs), 0);
	assert_int_equal(procs.n, 1);
	assert_int_equal(procs.v[0].pid, 11);
	assert_int_equal(procs.v[0].st.merging_pages, 77);
	assert_false(procs.v[0].st.profit_known);
	assert_false(procs.no_files);
	assert_int_equal(procs.kthreads, 1);
	assert_int_equal(ksm_procs_missing(&procs),
			 BIT(KSM_PF_RMAP) | BIT(KSM_PF_ZERO) | BIT(KSM_PF_PROFIT) |
			 BIT(KSM_PF_MERGE_ANY) | BIT(KSM_PF_MERGEABLE));
	ksm_procs_free(&procs);
	ksm_root_close(h);
	tu_rmtree(root);
	free(root);
}

/* 6.1-6.3: ksm_stat has rmap items only; merging pages from their file. */
static void test_scan_61(void **state)
{
	char *root = tu_mkroot();
	struct ksm_scan_opts o = { .page_size = PAGE };
	struct ksm_root *h;
	struct ksm_procs procs;

	(void)state;
	tu_write(root, "proc/10/ksm_stat", "ksm_rmap_items 0\n");
	/* never read: no rmap item, nothing can be merged */
	tu_mkdirs(root, "proc/10/ksm_merging_pages");
	tu_write(root, "proc/11/ksm_stat", "ksm_rmap_items 640\n");
	tu_write(root, "proc/11/ksm_merging_pages", "10\n");
	assert_int_equal(ksm_root_open(&h, root), 0);
	assert_int_equal(ksm_procs_scan(h, &o, &procs), 0);
	assert_int_equal(procs.failed, 0);
	assert_int_equal(procs.n, 1);
	assert_int_equal(procs.v[0].st.merging_pages, 10);
	assert_true(procs.v[0].st.profit_computed);
	assert_int_equal(procs.v[0].st.profit, 10 * PAGE - 640 * KSM_RMAP_ITEM_SIZE);
	ksm_procs_free(&procs);
	ksm_root_close(h);
	tu_rmtree(root);
	free(root);
}

/* A kernel before 5.19: processes, but no per-process KSM file. */
static void test_scan_no_files(void **state)
{
	char *root = tu_mkroot();
	struct ksm_scan_opts o = { .page_size = PAGE };
	struct ksm_root *h;
	struct ksm_procs procs;

	(void)state;
	tu_write(root, "proc/1/comm", "init\n");
	tu_write(root, "proc/2/comm", "kthreadd\n");
	assert_int_equal(ksm_root_open(&h, root), 0);
	assert_int_equal(ksm_procs_scan(h, &o, &procs), 0);
	assert_true(procs.no_files);
	assert_int_equal(procs.n, 0);
	ksm_procs_free(&procs);
	ksm_root_close(h);
	tu_rmtree(root);
	free(root);
}

/* ---- grouping and totals ---------------------------------------------- */

static void test_group_and_total(void **state)
{
	struct fixture *f = *state;
	struct ksm_scan_opts o = { .page_size = PAGE,
				   .need = ksm_group_by_need(KSM_BY_UNIT) |
					   ksm_group_by_need(KSM_BY_VM) };
	struct ksm_psum *g, total;
	struct ksm_procs procs;
	size_t n;

	assert_int_equal(ksm_procs_scan(f->handle, &o, &procs), 0);
	assert_int_equal(ksm_procs_group(&procs, KSM_BY_UNIT, &g, &n), 0);
	assert_int_equal(n, 3);
	/* in key order */
	assert_string_equal(ksm_procs_str(&procs, g[0].key), "app.service");
	assert_string_equal(ksm_procs_str(&procs, g[1].key),
			    "machine-qemu\\x2d1\\x2dweb.scope");
	assert_string_equal(ksm_procs_str(&procs, g[2].key), "x.service");
	assert_int_equal(g[0].procs, 2);
	assert_int_equal(g[0].st.rmap_items, 200);
	assert_int_equal(g[0].st.merging_pages, 100);
	assert_int_equal(g[0].merge_any, 1);
	assert_int_equal(g[0].mergeable, 2);
	assert_true(g[0].st.have & BIT(KSM_PF_MERGING));
	free(g);

	ksm_procs_total(&procs, &total);
	assert_int_equal(total.procs, 4);
	assert_int_equal(total.st.rmap_items, 600 + 100 + 100 + 5000);
	assert_int_equal(total.st.merging_pages, 500 + 40 + 60 + 1);
	assert_int_equal(total.st.zero_pages, 10);

	assert_int_equal(ksm_procs_group(&procs, KSM_BY_VM, &g, &n), 0);
	assert_int_equal(n, 0 + 2);	/* "" (no VM) and "web" */
	assert_string_equal(ksm_procs_str(&procs, g[0].key), "");
	assert_int_equal(g[0].procs, 3);
	assert_string_equal(ksm_procs_str(&procs, g[1].key), "web");
	free(g);
	ksm_procs_free(&procs);
}

/* A sum knows only what all its members reported. */
static void test_psum_have(void **state)
{
	struct ksm_proc a = { .pid = 1 }, b = { .pid = 2 };
	struct ksm_psum sum = { 0 };

	(void)state;
	a.st = stat_of(10, 5, 1);
	a.st.have |= BIT(KSM_PF_COW);
	a.st.cow_pages = 3;
	b.st = stat_of(20, 6, 2);
	ksm_psum_add(&sum, &a);
	ksm_psum_add(&sum, &b);
	assert_int_equal(sum.procs, 2);
	assert_int_equal(sum.st.rmap_items, 30);
	assert_false(sum.st.have & BIT(KSM_PF_COW));
	assert_true(sum.st.have & BIT(KSM_PF_RMAP));
}


/* Sums of counters saturate: a huge member never wraps the total to 0. */
static void test_psum_saturates(void **state)
{
	static const unsigned long long huge[] = {
		1ULL << 52, 1ULL << 63, ULLONG_MAX - 1, ULLONG_MAX,
	};
	struct ksm_proc a = { .pid = 1 }, b = { .pid = 2 };

	(void)state;
	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		for (size_t j = 0; j < sizeof(huge) / sizeof(huge[0]); j++) {
			struct ksm_psum sum = { 0 };
			unsigned __int128 exact = (unsigned __int128)huge[i] + huge[j];
			unsigned long long want = exact > ULLONG_MAX ? ULLONG_MAX :
						  (unsigned long long)exact;

			a.st = stat_of(huge[i], huge[i], huge[i]);
			b.st = stat_of(huge[j], huge[j], huge[j]);
			a.st.profit = LLONG_MAX - 1;
			b.st.profit = (long long)(huge[j] >> 1);
			ksm_psum_add(&sum, &a);
			ksm_psum_add(&sum, &b);
			assert_true(sum.st.rmap_items == want);
			assert_true(sum.st.merging_pages == want);
			assert_true(sum.st.zero_pages == want);
			assert_true(sum.st.profit == LLONG_MAX);
			/* a share of a saturated system is still a share */
			assert_true(ksm_share_pct(&a.st, &sum.st) <= 100.0);
		}
	}
	/* and a negative profit does not wrap to a huge positive one */
	{
		struct ksm_psum sum = { 0 };

		a.st = stat_of(1, 1, 1);
		b.st = stat_of(1, 1, 1);
		a.st.profit = LLONG_MIN + 1;
		b.st.profit = -2;
		ksm_psum_add(&sum, &a);
		ksm_psum_add(&sum, &b);
		assert_true(sum.st.profit == LLONG_MIN);
	}
}

static void test_group_by_names(void **state)
{
	(void)state;
	assert_int_equal(ksm_group_by_parse("cgroup"), KSM_BY_CGROUP);
	assert_int_equal(ksm_group_by_parse("unit"), KSM_BY_UNIT);
	assert_int_equal(ksm_group_by_parse("vm"), KSM_BY_VM);
	assert_int_equal(ksm_group_by_parse("user"), KSM_BY_USER);
	assert_int_equal(ksm_group_by_parse("comm"), KSM_BY_COMM);
	assert_int_equal(ksm_group_by_parse("Unit"), KSM_BY_NONE);
	assert_int_equal(ksm_group_by_parse(""), KSM_BY_NONE);
	assert_string_equal(ksm_group_by_name(KSM_BY_VM), "vm");
	assert_int_equal(ksm_group_by_need(KSM_BY_VM), KSM_NEED_VM);
}

static void set(struct ksm_sample *s, enum ksm_knob_id id, long long v)
{
	s->v[id].err = 0;
	s->v[id].u = (unsigned long long)v;
	s->v[id].s = v;
}

/*
 * The documented relation: summed over every process, merging = shared
 * + sharing, zero and rmap match the global counters, and the profits
 * exceed general_profit by pages_shared x page size (each process counts
 * the KSM page it maps as its own saving).
 */
static void test_totals_vs_system(void **state)
{
	/*
	 * Two processes map the same 100 KSM pages (shared 100, sharing
	 * 100); a has 30 pages merged with the zero page and 50 unshared.
	 * The kernel's pages_volatile is what is left of its rmap item
	 * count, so the zero-page items show there.
	 */
	struct ksm_proc a = { .pid = 1 }, b = { .pid = 2 };
	struct ksm_procstat sys;
	struct ksm_sample s;
	struct ksm_psum sum = { 0 };

	(void)state;
	memset(&s, 0, sizeof(s));
	for (int i = 0; i < KSM_KNOB_COUNT; i++)
		s.v[i].err = -ENOENT;
	s.page_size = PAGE;
	set(&s, KSM_PAGES_SHARED, 100);
	set(&s, KSM_PAGES_SHARING, 100);
	set(&s, KSM_PAGES_UNSHARED, 50);
	set(&s, KSM_PAGES_VOLATILE, 30);
	set(&s, KSM_ZERO_PAGES, 30);
	a.st = stat_of(100 + 30 + 50, 100, 30);
	b.st = stat_of(100, 100, 0);
	ksm_procstat_finish(&a.st, PAGE);
	ksm_procstat_finish(&b.st, PAGE);
	ksm_psum_add(&sum, &a);
	ksm_psum_add(&sum, &b);

	ksm_system_stat(&s, &sys);
	assert_true(sys.profit_computed);	/* no general_profit file */
	assert_int_equal(sum.st.merging_pages, sys.merging_pages);
	assert_int_equal(sum.st.zero_pages, sys.zero_pages);
	assert_int_equal(sum.st.rmap_items, sys.rmap_items);
	assert_int_equal(sum.st.profit, sys.profit + 100 * PAGE);

	/* read, not computed, when the kernel has general_profit */
	set(&s, KSM_GENERAL_PROFIT, -5);
	ksm_system_stat(&s, &sys);
	assert_false(sys.profit_computed);
	assert_int_equal(sys.profit, -5);

	assert_float_equal(ksm_share_pct(&a.st, &sys), 100.0 * 130 / 230, 1e-9);
	assert_float_equal(ksm_share_pct(&b.st, &sys), 100.0 * 100 / 230, 1e-9);
	assert_float_equal(ksm_share_pct(&sys, &sys), 100.0, 1e-9);
	sys.merging_pages = sys.zero_pages = 0;
	assert_true(isnan(ksm_share_pct(&a.st, &sys)));
}

/*
 * The processes a scan saw against the system's counters: a container
 * sees its own processes only, and what the others map is not explained.
 */
static void test_unexplained(void **state)
{
	struct ksm_procstat seen = stat_of(0, 400, 0), sys = stat_of(0, 1000, 0);
	double pct = -1;

	(void)state;
	/* 40%, 600 pages missing: said */
	assert_true(ksm_procs_unexplained(&seen, &sys, &pct));
	assert_float_equal(pct, 40.0, 1e-9);
	/* zero pages count on both sides */
	seen.zero_pages = 600;
	sys.zero_pages = 100;
	assert_false(ksm_procs_unexplained(&seen, &sys, &pct));
	/* ... unless a side does not report them: merging alone */
	seen.have &= ~BIT(KSM_PF_ZERO);
	assert_true(ksm_procs_unexplained(&seen, &sys, &pct));
	assert_float_equal(pct, 40.0, 1e-9);
	/* at 90% and more: the processes account for it */
	seen = stat_of(0, 9000, 0);
	sys = stat_of(0, 10000, 0);
	assert_false(ksm_procs_unexplained(&seen, &sys, &pct));
	seen.merging_pages = 8999;
	assert_true(ksm_procs_unexplained(&seen, &sys, &pct));
	/* a gap of fewer than KSM_SEEN_MIN_GAP pages says nothing */
	seen = stat_of(0, 0, 0);
	sys = stat_of(0, KSM_SEEN_MIN_GAP - 1, 0);
	assert_false(ksm_procs_unexplained(&seen, &sys, &pct));
	sys.merging_pages = KSM_SEEN_MIN_GAP;
	assert_true(ksm_procs_unexplained(&seen, &sys, &pct));
	assert_float_equal(pct, 0.0, 1e-9);
	/* more seen than the system counts (it moved meanwhile): fine */
	seen.merging_pages = 5000;
	assert_false(ksm_procs_unexplained(&seen, &sys, &pct));
	/* unknown on either side: nothing said */
	seen = stat_of(0, 0, 0);
	seen.have = 0;
	assert_false(ksm_procs_unexplained(&seen, &sys, &pct));
	seen = stat_of(0, 0, 0);
	sys.have = 0;
	assert_false(ksm_procs_unexplained(&seen, &sys, &pct));
}

static void feed(struct ksm_areas *a, const char *text)
{
	char line[512];

	while (*text) {
		size_t len = strcspn(text, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)len, text);
		assert_int_equal(ksm_areas_line(a, line), 0);
		text += len + (text[len] == '\n');
	}
}

/* The mergeable areas of smaps: "mg" in VmFlags, with their KSM: line. */
static void test_areas(void **state)
{
	struct ksm_areas a;

	(void)state;
	ksm_areas_init(&a);
	feed(&a, "555555554000-555555a00000 r-xp 00000000 fd:01 1234   /usr/bin/qemu\n"
		 "Size:               4784 kB\nRss:                3000 kB\n"
		 "AnonHugePages:         0 kB\nKSM:                   0 kB\n"
		 "VmFlags: rd ex mr mw me sd \n"
		 "7f0000000000-7f0080000000 rw-p 00000000 00:00 0 \n"
		 "Size:            2097152 kB\nRss:             1900000 kB\n"
		 "KSM:             1800000 kB\nVmFlags: rd wr mr mw me ac sd hg mg \n"
		 "7f0080200000-7f0080600000 rw-p 00000000 00:00 0     [anon:qemu vram]\n"
		 "Rss:                4096 kB\nKSM:                   0 kB\n"
		 "VmFlags: mg rd wr\n");
	assert_int_equal(a.total, 3);
	assert_int_equal(a.mergeable, 2);
	assert_int_equal(a.n, 2);
	assert_true(a.has_ksm);
	assert_int_equal(a.v[0].start, 0x7f0000000000ULL);
	assert_int_equal(a.v[0].end, 0x7f0080000000ULL);
	assert_string_equal(a.v[0].perms, "rw-p");
	assert_string_equal(a.v[0].name, "");
	assert_int_equal(a.v[0].rss_kb, 1900000);
	assert_int_equal(a.v[0].ksm_kb, 1800000);
	/* names keep their blanks; "mg" first among the flags */
	assert_string_equal(a.v[1].name, "[anon:qemu vram]");
	assert_int_equal(a.size_kb, 2097152 + 4096);
	assert_int_equal(a.rss_kb, 1900000 + 4096);
	assert_int_equal(a.ksm_kb, 1800000);
	ksm_areas_free(&a);

	/* no KSM: line (before it was added): areas, no count */
	feed(&a, "7f00-7f80 rw-p 00000000 00:00 0\nRss: 4 kB\nVmFlags: rd wr mg\n"
		 /* "mg" only as a whole flag */
		 "7f80-7fc0 rw-p 00000000 00:00 0\nVmFlags: rd wrmg mgx\n"
		 /* field names starting with hex letters are no area */
		 "AnonHugePages:         0 kB\nFilePmdMapped:      0 kB\n");
	assert_int_equal(a.total, 2);
	assert_int_equal(a.mergeable, 1);
	assert_false(a.has_ksm);
	assert_false(a.v[0].has_ksm);
	ksm_areas_free(&a);

	/* more than are kept: all counted */
	for (int i = 0; i < KSM_AREAS_MAX + 5; i++) {
		char line[128];

		snprintf(line, sizeof(line), "%x000-%x000 rw-p 00000000 00:00 0",
			 2 * i + 16, 2 * i + 17);
		assert_int_equal(ksm_areas_line(&a, line), 0);
		assert_int_equal(ksm_areas_line(&a, "VmFlags: rd wr mg"), 0);
	}
	assert_int_equal(a.mergeable, KSM_AREAS_MAX + 5);
	assert_int_equal(a.n, KSM_AREAS_MAX);
	assert_int_equal(a.size_kb, (KSM_AREAS_MAX + 5) * 4);
	ksm_areas_free(&a);
}

/* Read through the root, line by line; not a regular file is refused. */
static void test_areas_read(void **state)
{
	struct fixture *f = *state;
	struct ksm_areas a;

	tu_write(f->root, "proc/100/smaps",
		 "7f00-7f80 rw-p 00000000 00:00 0\nKSM: 4 kB\nVmFlags: rd wr mg\n");
	assert_int_equal(ksm_proc_areas(f->handle, 100, &a), 0);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.ksm_kb, 4);
	ksm_areas_free(&a);
	assert_int_equal(ksm_proc_areas(f->handle, 99999, &a), -ENOENT);
	ksm_areas_free(&a);
	tu_mkdirs(f->root, "proc/200/smaps");
	assert_int_equal(ksm_proc_areas(f->handle, 200, &a), -EINVAL);
	ksm_areas_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_areas),
		cmocka_unit_test_setup_teardown(test_areas_read, setup_615, teardown),
		cmocka_unit_test(test_unexplained),
		cmocka_unit_test(test_parse_615),
		cmocka_unit_test(test_parse_older),
		cmocka_unit_test(test_parse_unknown_lines),
		cmocka_unit_test(test_parse_empty_and_bad),
		cmocka_unit_test(test_parse_merging_file),
		cmocka_unit_test(test_profit_computed),
		cmocka_unit_test(test_verdict),
		cmocka_unit_test(test_involved),
		cmocka_unit_test(test_status_euid),
		cmocka_unit_test(test_cgroup_path),
		cmocka_unit_test(test_cgroup_unit),
		cmocka_unit_test(test_cgroup_vm),
		cmocka_unit_test(test_cmdline_vm),
		cmocka_unit_test(test_unit_unescape),
		cmocka_unit_test_setup_teardown(test_scan_default, setup_615, teardown),
		cmocka_unit_test_setup_teardown(test_scan_needs_little, setup_615,
						teardown),
		cmocka_unit_test_setup_teardown(test_scan_all_and_user, setup_615,
						teardown),
		cmocka_unit_test_setup_teardown(test_scan_pids, setup_615, teardown),
		cmocka_unit_test_setup_teardown(test_scan_eacces, setup_615, teardown),
		cmocka_unit_test(test_scan_merging_only),
		cmocka_unit_test(test_scan_61),
		cmocka_unit_test(test_scan_no_files),
		cmocka_unit_test_setup_teardown(test_group_and_total, setup_615,
						teardown),
		cmocka_unit_test(test_psum_have),
		cmocka_unit_test(test_psum_saturates),
		cmocka_unit_test(test_group_by_names),
		cmocka_unit_test(test_totals_vs_system),
	};

	return cmocka_run_group_tests_name("procs", tests, NULL, NULL);
}
