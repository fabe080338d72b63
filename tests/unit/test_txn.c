// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Transactions against a sysroot built here: every refusal of add and
 * plan, the write order, apply with read-back, and the restore after a
 * failed write.  Failures are made by changing the tree between plan and
 * apply (a directory or nothing where a knob was), and read-back
 * mismatches by pointing a knob at /proc/self/comm, which keeps only the
 * first 15 characters of what is written to it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/txn.h"
#include "lib/units.h"
#include "testutil.h"

#define KSM_DIR "sys/kernel/mm/ksm/"

struct fixture {
	char *dir;
	struct ksm_root *root;
	struct ksm_sample now;
	struct ksm_txn t;
	struct ksm_refusal why;
	const struct ksm_knob *culprit;
};

/* A 6.12 kernel, ksmd stopped, nothing merged, advisor off. */
static const struct {
	const char *name, *shown;
} files_612[] = {
	{ "run", "0\n" },
	{ "pages_to_scan", "100\n" },
	{ "sleep_millisecs", "20\n" },
	{ "merge_across_nodes", "1\n" },
	{ "max_page_sharing", "256\n" },
	{ "use_zero_pages", "0\n" },
	{ "stable_node_chains_prune_millisecs", "2000\n" },
	{ "smart_scan", "1\n" },
	{ "advisor_mode", "[none] scan-time\n" },
	{ "advisor_max_cpu", "70\n" },
	{ "advisor_min_pages_to_scan", "500\n" },
	{ "advisor_max_pages_to_scan", "30000\n" },
	{ "advisor_target_scan_time", "200\n" },
	{ "pages_shared", "0\n" },
	{ "pages_sharing", "0\n" },
	{ "pages_unshared", "0\n" },
	{ "pages_volatile", "0\n" },
	{ "full_scans", "0\n" },
	{ "stable_node_chains", "0\n" },
	{ "stable_node_dups", "0\n" },
	{ "general_profit", "0\n" },
	{ "ksm_zero_pages", "0\n" },
	{ "pages_scanned", "0\n" },
	{ "pages_skipped", "0\n" },
};

static void put(struct fixture *f, const char *knob, const char *content)
{
	char rel[128];

	snprintf(rel, sizeof(rel), KSM_DIR "%s", knob);
	tu_write(f->dir, rel, content);
}

static const char *get(struct fixture *f, const char *knob)
{
	char rel[128];

	snprintf(rel, sizeof(rel), KSM_DIR "%s", knob);
	return tu_read(f->dir, rel);
}

static void drop(struct fixture *f, const char *knob)
{
	char rel[128];

	snprintf(rel, sizeof(rel), KSM_DIR "%s", knob);
	tu_unlink(f->dir, rel);
}

static void dir_instead(struct fixture *f, const char *knob)
{
	char rel[128];

	snprintf(rel, sizeof(rel), KSM_DIR "%s", knob);
	tu_make_dir_instead(f->dir, rel);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = tu_mkroot();
	for (size_t i = 0; i < TU_ARRAY_SIZE(files_612); i++)
		put(f, files_612[i].name, files_612[i].shown);
	tu_write(f->dir, "proc/sys/kernel/osrelease", "6.12.57+deb13-amd64\n");
	tu_write(f->dir, "proc/meminfo", "MemTotal: 32803240 kB\n"
		 "MemAvailable: 31000000 kB\n");
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

/* Start a transaction on a fresh sample of the tree. */
static void begin(struct fixture *f, unsigned int flags)
{
	assert_int_equal(ksm_sample_read(f->root, &f->now), 0);
	ksm_txn_init(&f->t, flags);
	memset(&f->why, 0, sizeof(f->why));
	f->culprit = NULL;
}

static void add(struct fixture *f, const char *name, const char *text)
{
	int err = ksm_txn_add(&f->t, name, text, &f->why);

	if (err)
		fail_msg("add %s=%s: %d (%s)", name, text, err, f->why.why);
}

static int plan(struct fixture *f)
{
	memset(&f->why, 0, sizeof(f->why));
	return ksm_txn_plan(&f->t, f->root, &f->now, &f->why, &f->culprit);
}

static void expect_refusal(struct fixture *f, int err, const char *knob,
			   const char *words)
{
	int got = plan(f);

	if (got != err)
		fail_msg("plan: %d, want %d (%s)", got, err, f->why.why);
	assert_non_null(f->culprit);
	assert_string_equal(f->culprit->name, knob);
	if (!strstr(f->why.why, words))
		fail_msg("refusal \"%s\" lacks \"%s\"", f->why.why, words);
	assert_null(strchr(f->why.why, '\n'));
}

static const struct ksm_step *step(struct fixture *f, const char *name)
{
	for (int i = 0; i < f->t.count; i++)
		if (!strcmp(f->t.steps[i].knob->name, name))
			return &f->t.steps[i];
	fail_msg("no step for %s", name);
	return NULL;
}

static int position(struct fixture *f, const char *name)
{
	return (int)(step(f, name) - f->t.steps);
}

/* ---- add ---------------------------------------------------------------- */

static void test_add_refusals(void **state)
{
	static const struct {
		const char *knob, *text;
		int err;
	} cases[] = {
		{ "nonexistent", "1", -ENOENT },
		{ "RUN", "1", -ENOENT },
		{ "run", "3", -EINVAL },
		{ "run", "0x1", -EINVAL },
		{ "merge_across_nodes", "18446744073709551616", -ERANGE },
		{ "max_page_sharing", "2147483648", -ERANGE },
		{ "max_page_sharing", "1", -EINVAL },
		{ "use_zero_pages", "yellow", -EDOM },
		{ "advisor_mode", "None", -EINVAL },
		{ "advisor_max_cpu", "0", -EDOM },
		{ "advisor_max_cpu", "101", -EDOM },
		{ "advisor_max_cpu", "4294967297", -EDOM },
		{ "advisor_max_pages_to_scan", "0", -EDOM },
		{ "advisor_target_scan_time", "0", -EINVAL },
		{ "pages_shared", "0", -EACCES },
	};
	struct fixture *f = *state;

	begin(f, 0);
	for (size_t i = 0; i < TU_ARRAY_SIZE(cases); i++) {
		memset(&f->why, 0, sizeof(f->why));
		if (ksm_txn_add(&f->t, cases[i].knob, cases[i].text, &f->why) !=
		    cases[i].err)
			fail_msg("add %s=%s: want %d", cases[i].knob,
				 cases[i].text, cases[i].err);
		assert_true(f->why.why[0] != '\0');
		assert_int_equal(f->t.count, 0);
	}
	assert_int_equal(ksm_txn_add(&f->t, "nonexistent", "1", &f->why), -ENOENT);
	assert_string_equal(f->why.why, "unknown knob");

	add(f, "sleep_millisecs", "50");
	assert_int_equal(ksm_txn_add(&f->t, "sleep_millisecs", "60", &f->why),
			 -EEXIST);
	assert_non_null(strstr(f->why.why, "more than once"));
	assert_int_equal(f->t.count, 1);
	assert_int_equal(step(f, "sleep_millisecs")->to.u, 50);
	assert_int_equal(step(f, "sleep_millisecs")->state, STEP_PLANNED);

	struct ksm_value v = { .u = 7, .s = 7 };

	assert_int_equal(ksm_txn_add_value(&f->t, KSM_SLEEP_MILLISECS, &v),
			 -EEXIST);
	assert_int_equal(ksm_txn_add_value(&f->t, KSM_PAGES_TO_SCAN, &v), 0);
	assert_int_equal(f->t.count, 2);
}

/* ---- plan: refusals ------------------------------------------------------ */

static void test_plan_missing_knob(void **state)
{
	struct fixture *f = *state;

	/* a 6.1 kernel: the advisor came in 6.8 */
	drop(f, "advisor_mode");
	tu_write(f->dir, "proc/sys/kernel/osrelease", "6.1.0-28-amd64\n");
	begin(f, 0);
	add(f, "sleep_millisecs", "30");
	add(f, "advisor_mode", "scan-time");
	expect_refusal(f, -ENOENT, "advisor_mode",
		       "not available on this kernel (6.1.0-28-amd64): added in Linux 6.8");

	/* a 6.12 kernel without NUMA */
	drop(f, "merge_across_nodes");
	tu_write(f->dir, "proc/sys/kernel/osrelease", "6.12.57+deb13-amd64\n");
	begin(f, 0);
	add(f, "merge_across_nodes", "0");
	expect_refusal(f, -ENOENT, "merge_across_nodes", "CONFIG_NUMA");

	/* gone since 2.6.33 */
	begin(f, 0);
	add(f, "max_kernel_pages", "1000");
	expect_refusal(f, -ENOENT, "max_kernel_pages",
		       "it existed only before Linux 2.6.33");

	/* missing although the version has it: a vendor kernel */
	drop(f, "smart_scan");
	begin(f, 0);
	add(f, "smart_scan", "1");
	expect_refusal(f, -ENOENT, "smart_scan", "a vendor kernel may leave it out");

	/* no osrelease at all */
	tu_unlink(f->dir, "proc/sys/kernel/osrelease");
	begin(f, 0);
	add(f, "smart_scan", "1");
	expect_refusal(f, -ENOENT, "smart_scan", "not available on this kernel (added in Linux 6.7");

	/* a refusal writes nothing */
	assert_string_equal(get(f, "sleep_millisecs"), "20\n");
}

static void test_plan_unreadable(void **state)
{
	struct fixture *f = *state;

	dir_instead(f, "pages_to_scan");
	begin(f, 0);
	add(f, "pages_to_scan", "200");
	expect_refusal(f, -EISDIR, "pages_to_scan", "cannot read it");
}

static int plan_unprivileged(void *data)
{
	struct fixture *f = data;
	int err;

	begin(f, 0);
	add(f, "sleep_millisecs", "30");
	err = plan(f);
	if (err && !strstr(f->why.why, "cannot write it"))
		return 99;
	return -err;
}

static void test_plan_not_writable(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];

	tu_path(path, sizeof(path), f->dir, KSM_DIR "sleep_millisecs");
	/* root writes anything: the check runs as nobody, who owns the file */
	if (geteuid() == 0 && chown(path, 65534, 65534) < 0)
		fail_msg("chown: %s", strerror(errno));
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(tu_as_nobody(plan_unprivileged, f), 0);
	assert_int_equal(chmod(path, 0444), 0);
	assert_int_equal(tu_as_nobody(plan_unprivileged, f), EACCES);
}

static void test_plan_run_2(void **state)
{
	struct fixture *f = *state;

	begin(f, 0);
	add(f, "run", "2");
	expect_refusal(f, -EINVAL, "run", "ksmctl unmerge-all");

	begin(f, TXN_ALLOW_UNMERGE);
	add(f, "run", "2");
	assert_int_equal(plan(f), 0);
	assert_int_equal(step(f, "run")->state, STEP_PLANNED);

	/* 2 again is another unmerge, never "unchanged" */
	put(f, "run", "2\n");
	begin(f, TXN_ALLOW_UNMERGE);
	add(f, "run", "2");
	assert_int_equal(plan(f), 0);
	assert_int_equal(step(f, "run")->state, STEP_PLANNED);
	begin(f, 0);
	add(f, "run", "2");
	expect_refusal(f, -EINVAL, "run", "unmerge");
}

static void test_plan_advisor_owns_pages_to_scan(void **state)
{
	struct fixture *f = *state;

	put(f, "advisor_mode", "none [scan-time]\n");
	put(f, "pages_to_scan", "2400\n");
	begin(f, 0);
	add(f, "sleep_millisecs", "30");
	add(f, "pages_to_scan", "5000");
	expect_refusal(f, -EINVAL, "pages_to_scan", "advisor_mode is scan-time");
	assert_non_null(strstr(f->why.why, "set advisor_mode none first"));
	/* even the value it has: the kernel refuses any write */
	begin(f, 0);
	add(f, "pages_to_scan", "2400");
	expect_refusal(f, -EINVAL, "pages_to_scan", "EINVAL");

	/* switching the advisor off in the same transaction makes it valid */
	begin(f, 0);
	add(f, "pages_to_scan", "5000");
	add(f, "advisor_mode", "none");
	assert_int_equal(plan(f), 0);
	assert_true(position(f, "advisor_mode") < position(f, "pages_to_scan"));

	/* switching it on in the same transaction makes it invalid */
	put(f, "advisor_mode", "[none] scan-time\n");
	begin(f, 0);
	add(f, "advisor_mode", "scan-time");
	add(f, "pages_to_scan", "5000");
	expect_refusal(f, -EINVAL, "pages_to_scan", "advisor_mode is scan-time");

	/* before 6.8 there is no advisor to own it */
	drop(f, "advisor_mode");
	begin(f, 0);
	add(f, "pages_to_scan", "5000");
	assert_int_equal(plan(f), 0);
}

/*
 * The kernel resets pages_to_scan to 100 when the advisor is switched
 * off, so a requested pages_to_scan equal to today's must be written.
 */
static void test_plan_advisor_off_rewrites_pages_to_scan(void **state)
{
	struct fixture *f = *state;

	put(f, "advisor_mode", "none [scan-time]\n");
	put(f, "pages_to_scan", "2400\n");
	begin(f, 0);
	add(f, "advisor_mode", "none");
	add(f, "pages_to_scan", "2400");
	assert_int_equal(plan(f), 0);
	assert_int_equal(step(f, "pages_to_scan")->state, STEP_PLANNED);
	assert_int_equal(ksm_txn_apply(&f->t, f->root), 0);
	assert_string_equal(get(f, "pages_to_scan"), "2400");
	assert_string_equal(get(f, "advisor_mode"), "none");

	/* without a switch, the same value is left alone */
	put(f, "pages_to_scan", "2400\n");
	begin(f, 0);
	add(f, "advisor_mode", "none");
	add(f, "pages_to_scan", "2400");
	assert_int_equal(plan(f), 0);
	assert_int_equal(step(f, "pages_to_scan")->state, STEP_UNCHANGED);
	assert_int_equal(step(f, "advisor_mode")->state, STEP_UNCHANGED);
}

/* pages_to_scan 0 while ksmd runs: merging stops without a word */
static void test_plan_no_scan_while_running(void **state)
{
	struct fixture *f = *state;

	/* today: run 0, pages_to_scan 100, advisor none */
	begin(f, 0);
	add(f, "run", "1");
	add(f, "pages_to_scan", "0");
	expect_refusal(f, -EDOM, "pages_to_scan", "use 'ksmctl stop'");
	begin(f, 0);
	add(f, "pages_to_scan", "0");
	assert_int_equal(plan(f), 0);	/* ksmd is stopped */

	put(f, "run", "1\n");
	begin(f, 0);
	add(f, "pages_to_scan", "0");
	expect_refusal(f, -EDOM, "pages_to_scan", "stops merging");
	begin(f, 0);
	add(f, "pages_to_scan", "0");
	add(f, "run", "0");
	assert_int_equal(plan(f), 0);
	/* the advisor owns pages_to_scan: its own refusal */
	begin(f, 0);
	add(f, "advisor_mode", "scan-time");
	add(f, "pages_to_scan", "0");
	expect_refusal(f, -EINVAL, "pages_to_scan", "advisor");

	/* already 0: starting ksmd is refused, with the reason */
	put(f, "run", "0\n");
	put(f, "pages_to_scan", "0\n");
	begin(f, 0);
	add(f, "run", "1");
	expect_refusal(f, -EDOM, "run", "pages_to_scan is 0");
	begin(f, 0);
	add(f, "run", "1");
	add(f, "pages_to_scan", "100");
	assert_int_equal(plan(f), 0);
}

static void test_plan_advisor_min_max(void **state)
{
	struct fixture *f = *state;

	/* today: min 500, max 30000 */
	begin(f, 0);
	add(f, "advisor_min_pages_to_scan", "40000");
	expect_refusal(f, -EDOM, "advisor_min_pages_to_scan",
		       "the minimum (40000) would exceed advisor_max_pages_to_scan (30000)");
	begin(f, 0);
	add(f, "advisor_max_pages_to_scan", "499");
	expect_refusal(f, -EDOM, "advisor_max_pages_to_scan", "(500)");
	begin(f, 0);
	add(f, "advisor_max_pages_to_scan", "10");
	add(f, "advisor_min_pages_to_scan", "20");
	expect_refusal(f, -EDOM, "advisor_max_pages_to_scan", "kernel accepts it");

	/* equal is fine */
	begin(f, 0);
	add(f, "advisor_min_pages_to_scan", "30000");
	assert_int_equal(plan(f), 0);
	begin(f, 0);
	add(f, "advisor_max_pages_to_scan", "500");
	assert_int_equal(plan(f), 0);

	/* raising both above the old max: max first */
	begin(f, 0);
	add(f, "advisor_min_pages_to_scan", "40000");
	add(f, "advisor_max_pages_to_scan", "50000");
	assert_int_equal(plan(f), 0);
	assert_true(position(f, "advisor_max_pages_to_scan") <
		    position(f, "advisor_min_pages_to_scan"));

	/* lowering both below the old min: min first */
	begin(f, 0);
	add(f, "advisor_max_pages_to_scan", "200");
	add(f, "advisor_min_pages_to_scan", "100");
	assert_int_equal(plan(f), 0);
	assert_true(position(f, "advisor_min_pages_to_scan") <
		    position(f, "advisor_max_pages_to_scan"));
}

static unsigned long long rng_state = 0x74786e;

static unsigned long long rng(unsigned long long bound)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (rng_state >> 17) % bound;
}

/*
 * For any valid old (min, max) and any requested change, plan either
 * refuses because the end state has min > max, or orders the writes so
 * that min <= max after each one.
 */
static void test_plan_min_max_order_property(void **state)
{
	struct fixture *f = *state;
	static const unsigned long long pick[] = { 1, 2, 99, 100, 101, 5000 };

	for (int iter = 0; iter < 5000; iter++) {
		unsigned long long v[4], cur_min, cur_max, end_min, end_max;
		int which = (int)rng(3);	/* 0 min, 1 max, 2 both */
		int err;

		for (int i = 0; i < 4; i++)
			v[i] = rng(2) ? pick[rng(TU_ARRAY_SIZE(pick))] : 1 + rng(200);
		cur_min = v[0] < v[1] ? v[0] : v[1];
		cur_max = v[0] < v[1] ? v[1] : v[0];
		if (iter == 0)
			assert_int_equal(ksm_sample_read(f->root, &f->now), 0);
		f->now.v[KSM_ADVISOR_MIN_PAGES_TO_SCAN].u = cur_min;
		f->now.v[KSM_ADVISOR_MAX_PAGES_TO_SCAN].u = cur_max;
		ksm_txn_init(&f->t, 0);
		end_min = cur_min;
		end_max = cur_max;
		if (which != 1) {
			struct ksm_value val = { .u = v[2], .s = (long long)v[2] };

			assert_int_equal(ksm_txn_add_value(&f->t,
					 KSM_ADVISOR_MIN_PAGES_TO_SCAN, &val), 0);
			end_min = v[2];
		}
		if (which != 0) {
			struct ksm_value val = { .u = v[3], .s = (long long)v[3] };

			assert_int_equal(ksm_txn_add_value(&f->t,
					 KSM_ADVISOR_MAX_PAGES_TO_SCAN, &val), 0);
			end_max = v[3];
		}
		err = plan(f);
		if (end_min > end_max) {
			assert_int_equal(err, -EDOM);
			continue;
		}
		if (err)
			fail_msg("min %llu max %llu -> %llu %llu refused: %s",
				 cur_min, cur_max, end_min, end_max, f->why.why);
		for (int i = 0; i < f->t.count; i++) {
			const struct ksm_step *s = &f->t.steps[i];

			if (s->state == STEP_UNCHANGED)
				continue;
			if (ksm_knob_id(s->knob) == KSM_ADVISOR_MIN_PAGES_TO_SCAN)
				cur_min = s->to.u;
			else
				cur_max = s->to.u;
			if (cur_min > cur_max)
				fail_msg("intermediate min %llu > max %llu", cur_min,
					 cur_max);
		}
		assert_true(cur_min == end_min && cur_max == end_max);
	}
}

static void test_plan_pages_shared(void **state)
{
	struct fixture *f = *state;
	char need[32];

	put(f, "pages_shared", "16\n");
	put(f, "pages_sharing", "4080\n");
	put(f, "ksm_zero_pages", "16\n");
	begin(f, 0);
	add(f, "max_page_sharing", "512");
	assert_true(ksm_txn_needs_unmerge(&f->t, &f->now));
	expect_refusal(f, -EBUSY, "max_page_sharing",
		       "cannot change while 16 KSM pages are shared");
	assert_non_null(strstr(f->why.why, "add --unmerge"));
	/* the memory the unmerge needs: (sharing + zero pages) x page size */
	ksm_format_size(4096ULL * (unsigned long long)sysconf(_SC_PAGESIZE), need,
			sizeof(need));
	assert_non_null(strstr(f->why.why, need));

	begin(f, 0);
	add(f, "merge_across_nodes", "0");
	assert_true(ksm_txn_needs_unmerge(&f->t, &f->now));
	expect_refusal(f, -EBUSY, "merge_across_nodes", "EBUSY");

	/* the value they have is no change: the kernel says OK */
	begin(f, 0);
	add(f, "max_page_sharing", "256");
	add(f, "merge_across_nodes", "1");
	assert_false(ksm_txn_needs_unmerge(&f->t, &f->now));
	assert_int_equal(plan(f), 0);
	assert_int_equal(step(f, "max_page_sharing")->state, STEP_UNCHANGED);
	assert_int_equal(step(f, "merge_across_nodes")->state, STEP_UNCHANGED);

	/* other knobs do not care */
	begin(f, 0);
	add(f, "sleep_millisecs", "10");
	assert_false(ksm_txn_needs_unmerge(&f->t, &f->now));
	assert_int_equal(plan(f), 0);

	/* the caller unmerges first */
	begin(f, TXN_UNMERGE_FIRST);
	add(f, "max_page_sharing", "512");
	assert_int_equal(plan(f), 0);

	/* nothing shared: free to change */
	put(f, "pages_shared", "0\n");
	begin(f, 0);
	add(f, "max_page_sharing", "512");
	add(f, "merge_across_nodes", "0");
	assert_false(ksm_txn_needs_unmerge(&f->t, &f->now));
	assert_int_equal(plan(f), 0);
}

/* ---- plan: order --------------------------------------------------------- */

static void test_plan_order(void **state)
{
	struct fixture *f = *state;

	/* starting: settings first, advisor_mode before them, run last */
	begin(f, 0);
	add(f, "run", "1");
	add(f, "advisor_max_cpu", "50");
	add(f, "sleep_millisecs", "50");
	add(f, "advisor_mode", "scan-time");
	add(f, "use_zero_pages", "1");
	assert_int_equal(plan(f), 0);
	assert_int_equal(f->t.count, 5);
	assert_string_equal(f->t.steps[0].knob->name, "advisor_mode");
	assert_string_equal(f->t.steps[1].knob->name, "sleep_millisecs");
	assert_string_equal(f->t.steps[2].knob->name, "use_zero_pages");
	assert_string_equal(f->t.steps[3].knob->name, "advisor_max_cpu");
	assert_string_equal(f->t.steps[4].knob->name, "run");
	for (int i = 0; i < f->t.count; i++)
		assert_int_equal(f->t.steps[i].state, STEP_PLANNED);
	/* from is what the sample read */
	assert_int_equal(step(f, "sleep_millisecs")->from.u, 20);
	assert_int_equal(step(f, "advisor_max_cpu")->from.u, 70);

	/* stopping: run first */
	put(f, "run", "1\n");
	begin(f, 0);
	add(f, "sleep_millisecs", "50");
	add(f, "advisor_mode", "scan-time");
	add(f, "run", "0");
	assert_int_equal(plan(f), 0);
	assert_string_equal(f->t.steps[0].knob->name, "run");
	assert_string_equal(f->t.steps[1].knob->name, "advisor_mode");
	assert_string_equal(f->t.steps[2].knob->name, "sleep_millisecs");
}

/* ---- apply --------------------------------------------------------------- */

static void test_apply_success(void **state)
{
	struct fixture *f = *state;

	begin(f, 0);
	add(f, "run", "1");
	add(f, "sleep_millisecs", "+50\n");
	add(f, "stable_node_chains_prune_millisecs", "2000");	/* unchanged */
	add(f, "advisor_mode", "scan-time");
	add(f, "use_zero_pages", "yes");
	add(f, "max_page_sharing", "512");
	assert_int_equal(plan(f), 0);
	assert_int_equal(ksm_txn_apply(&f->t, f->root), 0);
	assert_false(ksm_txn_left_changed(&f->t));
	for (int i = 0; i < f->t.count; i++) {
		const struct ksm_step *s = &f->t.steps[i];

		assert_int_equal(s->err, 0);
		assert_false(s->left_changed);
		assert_int_equal(s->state,
				 s->knob == &ksm_knobs[KSM_STABLE_NODE_CHAINS_PRUNE_MILLISECS] ?
				 STEP_UNCHANGED : STEP_DONE);
	}
	/* the canonical value, in one write, without a newline */
	assert_string_equal(get(f, "run"), "1");
	assert_string_equal(get(f, "sleep_millisecs"), "50");
	assert_string_equal(get(f, "advisor_mode"), "scan-time");
	assert_string_equal(get(f, "use_zero_pages"), "1");
	assert_string_equal(get(f, "max_page_sharing"), "512");
	/* an unchanged knob is not written at all */
	assert_string_equal(get(f, "stable_node_chains_prune_millisecs"), "2000\n");
	assert_string_equal(get(f, "advisor_max_cpu"), "70\n");
	/* the new state reads back */
	begin(f, 0);
	assert_int_equal(ksm_u(&f->now, KSM_ADVISOR_MODE), 1);
	assert_int_equal(ksm_u(&f->now, KSM_SLEEP_MILLISECS), 50);
}

static void test_apply_run_2(void **state)
{
	struct fixture *f = *state;

	put(f, "run", "2\n");
	begin(f, TXN_ALLOW_UNMERGE);
	add(f, "run", "2");
	assert_int_equal(plan(f), 0);
	assert_int_equal(ksm_txn_apply(&f->t, f->root), 0);
	assert_int_equal(step(f, "run")->state, STEP_DONE);
	assert_string_equal(get(f, "run"), "2");
}

/* A write fails midway: everything written before it is put back. */
static void check_restored_after(struct fixture *f, void (*spoil)(struct fixture *),
				 int want_err)
{
	begin(f, 0);
	add(f, "run", "1");			/* last */
	add(f, "sleep_millisecs", "50");	/* second */
	add(f, "pages_to_scan", "200");		/* first */
	add(f, "advisor_max_cpu", "80");	/* third: fails */
	add(f, "use_zero_pages", "0");		/* unchanged */
	assert_int_equal(plan(f), 0);
	assert_string_equal(f->t.steps[0].knob->name, "pages_to_scan");
	assert_string_equal(f->t.steps[1].knob->name, "sleep_millisecs");
	assert_string_equal(f->t.steps[2].knob->name, "use_zero_pages");
	assert_string_equal(f->t.steps[3].knob->name, "advisor_max_cpu");
	assert_string_equal(f->t.steps[4].knob->name, "run");
	spoil(f);
	assert_int_equal(ksm_txn_apply(&f->t, f->root), want_err);

	assert_int_equal(step(f, "pages_to_scan")->state, STEP_RESTORED);
	assert_int_equal(step(f, "sleep_millisecs")->state, STEP_RESTORED);
	assert_false(step(f, "pages_to_scan")->left_changed);
	assert_false(step(f, "sleep_millisecs")->left_changed);
	assert_int_equal(step(f, "use_zero_pages")->state, STEP_UNCHANGED);
	assert_int_equal(step(f, "advisor_max_cpu")->state, STEP_FAILED);
	assert_int_equal(step(f, "advisor_max_cpu")->err, want_err);
	assert_int_equal(step(f, "run")->state, STEP_NOT_REACHED);
	assert_int_equal(step(f, "run")->err, 0);
	assert_false(step(f, "run")->left_changed);

	/* the files hold the old values again */
	assert_string_equal(get(f, "pages_to_scan"), "100");
	assert_string_equal(get(f, "sleep_millisecs"), "20");
	/* never touched */
	assert_string_equal(get(f, "run"), "0\n");
	assert_string_equal(get(f, "use_zero_pages"), "0\n");
}

static void spoil_dir(struct fixture *f)
{
	dir_instead(f, "advisor_max_cpu");
}

static void spoil_gone(struct fixture *f)
{
	drop(f, "advisor_max_cpu");
}

static void test_apply_restores_after_eisdir(void **state)
{
	check_restored_after(*state, spoil_dir, -EISDIR);
}

static void test_apply_restores_after_enoent(void **state)
{
	check_restored_after(*state, spoil_gone, -ENOENT);
}

/* A stop from run=2 that fails: 2 is not written back (a second unmerge). */
static void test_apply_restore_never_unmerges(void **state)
{
	struct fixture *f = *state;

	put(f, "run", "2\n");
	begin(f, 0);
	add(f, "run", "0");
	add(f, "sleep_millisecs", "50");
	assert_int_equal(plan(f), 0);
	assert_string_equal(f->t.steps[0].knob->name, "run");
	dir_instead(f, "sleep_millisecs");
	assert_int_equal(ksm_txn_apply(&f->t, f->root), -EISDIR);
	assert_int_equal(step(f, "run")->state, STEP_RESTORED);
	assert_false(step(f, "run")->left_changed);
	assert_string_equal(get(f, "run"), "0");
}

/* Restoring the advisor limits keeps min <= max on the way back too. */
static void test_apply_restores_advisor_limits(void **state)
{
	struct fixture *f = *state;

	begin(f, 0);
	add(f, "advisor_min_pages_to_scan", "40000");
	add(f, "advisor_max_pages_to_scan", "50000");
	add(f, "advisor_target_scan_time", "100");
	assert_int_equal(plan(f), 0);
	dir_instead(f, "advisor_target_scan_time");
	assert_int_equal(ksm_txn_apply(&f->t, f->root), -EISDIR);
	assert_int_equal(step(f, "advisor_min_pages_to_scan")->state, STEP_RESTORED);
	assert_int_equal(step(f, "advisor_max_pages_to_scan")->state, STEP_RESTORED);
	assert_string_equal(get(f, "advisor_min_pages_to_scan"), "500");
	assert_string_equal(get(f, "advisor_max_pages_to_scan"), "30000");
}

/* ---- read-back mismatches, through /proc/self/comm ----------------------- */

static char saved_comm[17];

static int save_comm(void **state)
{
	(void)state;
	return prctl(PR_GET_NAME, saved_comm, 0, 0, 0);
}

static int restore_comm(void **state)
{
	(void)state;
	return prctl(PR_SET_NAME, saved_comm, 0, 0, 0);
}

static int setup_comm(void **state)
{
	return save_comm(state) || setup(state);
}

static int teardown_comm(void **state)
{
	return restore_comm(state) | teardown(state);
}

/* The kernel kept something else: -EIO, and the old value goes back. */
static void test_apply_read_back_differs(void **state)
{
	struct fixture *f = *state;
	const struct ksm_step *s;

	begin(f, 0);
	add(f, "advisor_target_scan_time", "18446744073709551615");
	assert_int_equal(plan(f), 0);
	tu_symlink(f->dir, KSM_DIR "advisor_target_scan_time", "/proc/self/comm");
	assert_int_equal(ksm_txn_apply(&f->t, f->root), -EIO);
	s = step(f, "advisor_target_scan_time");
	assert_int_equal(s->state, STEP_FAILED);
	assert_int_equal(s->err, -EIO);
	/* comm keeps 15 characters */
	assert_true(s->seen.u == 184467440737095ULL);
	assert_false(s->left_changed);
	assert_false(ksm_txn_left_changed(&f->t));
	assert_string_equal(get(f, "advisor_target_scan_time"), "200\n");
}

/* A done step that cannot be put back is reported, not hidden. */
static void test_apply_restore_fails(void **state)
{
	struct fixture *f = *state;
	const struct ksm_step *s;

	put(f, "advisor_target_scan_time", "18446744073709551615\n");
	begin(f, 0);
	add(f, "advisor_target_scan_time", "7");
	add(f, "run", "1");
	assert_int_equal(plan(f), 0);
	tu_symlink(f->dir, KSM_DIR "advisor_target_scan_time", "/proc/self/comm");
	dir_instead(f, "run");
	assert_int_equal(ksm_txn_apply(&f->t, f->root), -EISDIR);
	s = step(f, "advisor_target_scan_time");
	assert_int_equal(s->state, STEP_RESTORE_FAILED);
	assert_true(s->left_changed);
	assert_true(s->seen.u == 184467440737095ULL);
	assert_true(ksm_txn_left_changed(&f->t));
	assert_int_equal(step(f, "run")->state, STEP_FAILED);
}

/* ---- explain_missing ----------------------------------------------------- */

static void test_explain_missing(void **state)
{
	struct ksm_sample s;
	char buf[256];

	(void)state;
	memset(&s, 0, sizeof(s));
	ksm_explain_missing(&ksm_knobs[KSM_SMART_SCAN], &s, buf, sizeof(buf));
	assert_string_equal(buf, "not available on this kernel (added in Linux 6.7; a vendor kernel may leave it out)");
	snprintf(s.release, sizeof(s.release), "5.15.0-1");
	s.version = KSM_VERSION(5, 15, 0);
	ksm_explain_missing(&ksm_knobs[KSM_SMART_SCAN], &s, buf, sizeof(buf));
	assert_string_equal(buf, "not available on this kernel (5.15.0-1): added in Linux 6.7");
	ksm_explain_missing(&ksm_knobs[KSM_MERGE_ACROSS_NODES], &s, buf,
			    sizeof(buf));
	assert_string_equal(buf, "not available on this kernel (5.15.0-1): the kernel was built without NUMA (CONFIG_NUMA)");
	ksm_explain_missing(&ksm_knobs[KSM_MAX_KERNEL_PAGES], &s, buf,
			    sizeof(buf));
	assert_string_equal(buf, "not available on this kernel (5.15.0-1): it existed only before Linux 2.6.33");
	/* a short buffer is cut, terminated */
	ksm_explain_missing(&ksm_knobs[KSM_SMART_SCAN], &s, buf, 8);
	assert_string_equal(buf, "not ava");
}


/* ---- plan: a value that could not be read is unknown, not 0 -------------- */

/* What a knob or counter file may hold: a few readings of each kind. */
static int readings_of(const struct ksm_knob *k, const char **out)
{
	static const char *const bools[] = { "0\n", "1\n" };
	static const char *const modes[] = {
		"[none] scan-time\n", "none [scan-time]\n",
	};
	static const char *const runs[] = { "0\n", "1\n", "2\n" };
	static const char *const nums[] = {
		"0\n", "1\n", "2\n", "16\n", "256\n", "512\n", "40000\n",
		"4294967295\n",
	};
	const char *const *v = nums;
	int n = (int)TU_ARRAY_SIZE(nums);

	if (k->kind == KNOB_BOOL) {
		v = bools;
		n = (int)TU_ARRAY_SIZE(bools);
	} else if (k->kind == KNOB_MODE) {
		v = modes;
		n = (int)TU_ARRAY_SIZE(modes);
	} else if (!strcmp(k->name, "run")) {
		v = runs;
		n = (int)TU_ARRAY_SIZE(runs);
	}
	for (int i = 0; i < n; i++)
		out[i] = v[i];
	return n;
}

/* Ways a file can hold no value, or not be read. */
static const char *const garbage[] = { "x\n", "garbage\n", "", "-1\n", "\n\n" };

/* A request that changes each writable knob of files_612. */
static const struct {
	const char *name, *value;
} changes[] = {
	{ "run", "1" }, { "pages_to_scan", "1000" }, { "sleep_millisecs", "50" },
	{ "merge_across_nodes", "0" }, { "max_page_sharing", "512" },
	{ "use_zero_pages", "1" }, { "stable_node_chains_prune_millisecs", "100" },
	{ "smart_scan", "0" }, { "advisor_mode", "scan-time" },
	{ "advisor_max_cpu", "20" }, { "advisor_min_pages_to_scan", "800" },
	{ "advisor_max_pages_to_scan", "40000" },
	{ "advisor_target_scan_time", "100" },
};

struct verdict {
	int err;
	enum ksm_step_state state;
};

/* Plan name=value against the sample now (the tree only for writability). */
static struct verdict plan_on(struct fixture *f, const struct ksm_sample *now,
			      const char *name, const char *value)
{
	struct verdict v;

	ksm_txn_init(&f->t, 0);
	add(f, name, value);
	f->culprit = NULL;
	memset(&f->why, 0, sizeof(f->why));
	v.err = ksm_txn_plan(&f->t, f->root, now, &f->why, &f->culprit);
	v.state = v.err ? STEP_PLANNED : f->t.steps[0].state;
	return v;
}

/*
 * The property: with any one file of the KSM directory that could not be
 * read, or held no value, a request is refused, naming that file, or is
 * planned exactly as it is for every value the file could hold.  No plan
 * depends on a value that was not read.
 */
static void test_plan_unknown_is_no_value(void **state)
{
	static const int errs[] = { -EBADMSG, -EACCES, -EISDIR, -EBADFD, -EIO };
	struct fixture *f = *state;
	struct ksm_sample base;

	/* pages merged: max_page_sharing and merge_across_nodes need them gone */
	put(f, "pages_shared", "16\n");
	put(f, "pages_sharing", "4080\n");
	assert_int_equal(ksm_sample_read(f->root, &base), 0);
	for (size_t c = 0; c < TU_ARRAY_SIZE(changes); c++) {
		for (size_t b = 0; b < TU_ARRAY_SIZE(files_612); b++) {
			const struct ksm_knob *k = ksm_knob_find(files_612[b].name);
			enum ksm_knob_id id = ksm_knob_id(k);
			const char *readings[16];
			int nr = readings_of(k, readings);

			for (size_t e = 0; e < TU_ARRAY_SIZE(errs); e++) {
				struct ksm_sample now = base;
				struct verdict bad, x;

				memset(&now.v[id], 0, sizeof(now.v[id]));
				now.v[id].err = errs[e];
				snprintf(now.held[id], sizeof(now.held[id]), "bogus\n");
				bad = plan_on(f, &now, changes[c].name, changes[c].value);
				/* refused for it: the message names the file and
				 * what it held */
				if (bad.err && (strstr(f->why.why, k->name) ||
						f->culprit == k)) {
					if (errs[e] == -EBADMSG &&
					    !strstr(f->why.why, "it holds 'bogus'"))
						fail_msg("%s=%s: the refusal does not say what %s held: %s",
							 changes[c].name, changes[c].value,
							 k->name, f->why.why);
					continue;
				}
				/* else refused for another reason, or planned: as
				 * for every value it could hold */
				if (!bad.err && !strcmp(k->name, changes[c].name))
					fail_msg("%s=%s planned though %s is unreadable (%d)",
						 changes[c].name, changes[c].value,
						 k->name, errs[e]);
				for (int r = 0; r < nr; r++) {
					assert_int_equal(ksm_knob_parse_shown(k, readings[r],
									      &now.v[id]), 0);
					x = plan_on(f, &now, changes[c].name, changes[c].value);
					if (x.err != bad.err || x.state != bad.state)
						fail_msg("%s=%s: %d, state %d with %s unreadable (%d), but %s = %s gives %d, state %d (%s)",
							 changes[c].name, changes[c].value,
							 bad.err, bad.state, k->name, errs[e],
							 k->name, readings[r], x.err, x.state,
							 f->why.why);
				}
			}
		}
	}
}

/* The instance the issue names: set max_page_sharing must refuse EBUSY. */
static void test_plan_pages_shared_unreadable(void **state)
{
	struct fixture *f = *state;

	for (size_t g = 0; g < TU_ARRAY_SIZE(garbage); g++) {
		put(f, "pages_shared", garbage[g]);
		begin(f, 0);
		add(f, "max_page_sharing", "512");
		assert_true(ksm_txn_needs_unmerge(&f->t, &f->now));
		expect_refusal(f, -ENODATA, "max_page_sharing", "pages_shared: it ");
		assert_non_null(strstr(f->why.why, "cannot tell whether KSM pages are shared"));
		/* --unmerge cannot plan it either */
		begin(f, TXN_UNMERGE_FIRST);
		add(f, "merge_across_nodes", "0");
		expect_refusal(f, -ENODATA, "merge_across_nodes", "pages_shared");
		/* a knob that does not care is still written */
		begin(f, 0);
		add(f, "sleep_millisecs", "30");
		assert_int_equal(plan(f), 0);
	}
	put(f, "pages_shared", "x\n");
	begin(f, 0);
	add(f, "max_page_sharing", "512");
	expect_refusal(f, -ENODATA, "max_page_sharing", "it holds 'x', not a number");
	put(f, "pages_shared", "");
	begin(f, 0);
	add(f, "max_page_sharing", "512");
	expect_refusal(f, -ENODATA, "max_page_sharing", "it is empty, not a number");
	/* the knob itself: what it held */
	put(f, "pages_shared", "0\n");
	put(f, "max_page_sharing", "lots\n");
	begin(f, 0);
	add(f, "max_page_sharing", "512");
	expect_refusal(f, -EBADMSG, "max_page_sharing", "it holds 'lots', not a number");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_add_refusals),
		T(test_plan_missing_knob),
		T(test_plan_unreadable),
		T(test_plan_not_writable),
		T(test_plan_run_2),
		T(test_plan_advisor_owns_pages_to_scan),
		T(test_plan_advisor_off_rewrites_pages_to_scan),
		T(test_plan_no_scan_while_running),
		T(test_plan_advisor_min_max),
		T(test_plan_min_max_order_property),
		T(test_plan_pages_shared),
		T(test_plan_unknown_is_no_value),
		T(test_plan_pages_shared_unreadable),
		T(test_plan_order),
		T(test_apply_success),
		T(test_apply_run_2),
		T(test_apply_restores_after_eisdir),
		T(test_apply_restores_after_enoent),
		T(test_apply_restore_never_unmerges),
		T(test_apply_restores_advisor_limits),
		cmocka_unit_test_setup_teardown(test_apply_read_back_differs,
						setup_comm, teardown_comm),
		cmocka_unit_test_setup_teardown(test_apply_restore_fails,
						setup_comm, teardown_comm),
		cmocka_unit_test(test_explain_missing),
	};

	return cmocka_run_group_tests_name("txn", tests, NULL, NULL);
}
