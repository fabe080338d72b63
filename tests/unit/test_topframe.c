// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl top's frames without a terminal: rates and ksmd's CPU between
 * two samples, the history (ring, sparkline, the length of a full scan),
 * findings and how many fit, sorting, grouping, the column layout at 80
 * and 120 columns, scrolling clamps, escaping of hostile names, and the
 * live scan that reads only what a refresh needs.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/livescan.h"
#include "lib/topframe.h"
#include "topview.h"
#include "testutil.h"

#define PAGE 4096L

static void set(struct ksm_sample *s, enum ksm_knob_id id, long long v)
{
	s->v[id].err = 0;
	s->v[id].u = (unsigned long long)v;
	s->v[id].s = v;
}

/* A 6.15 kernel at time t (seconds): running, advisor off. */
static void sample_at(struct ksm_sample *s, double t)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < KSM_KNOB_COUNT; i++)
		s->v[i].err = -ENOENT;
	s->page_size = PAGE;
	snprintf(s->release, sizeof(s->release), "6.15.0");
	s->when.tv_sec = (time_t)t;
	s->when.tv_nsec = (long)((t - floor(t)) * 1e9);
	set(s, KSM_RUN, 1);
	set(s, KSM_PAGES_TO_SCAN, 100);
	set(s, KSM_SLEEP_MILLISECS, 20);
	set(s, KSM_SMART_SCAN, 1);
	set(s, KSM_USE_ZERO_PAGES, 0);
	set(s, KSM_ADVISOR_MODE, 0);
	set(s, KSM_MAX_PAGE_SHARING, 256);
	set(s, KSM_PAGES_SHARED, 100);
	set(s, KSM_PAGES_SHARING, 1000);
	set(s, KSM_PAGES_UNSHARED, 200);
	set(s, KSM_PAGES_VOLATILE, 0);
	set(s, KSM_FULL_SCANS, 10);
	set(s, KSM_PAGES_SCANNED, 50000);
	set(s, KSM_ZERO_PAGES, 0);
	set(s, KSM_GENERAL_PROFIT, 1000 * PAGE - 1300 * 64);
	s->has_meminfo = true;
	s->mem.bytes[MEM_TOTAL] = 1ULL << 30;
	s->mem.present[MEM_TOTAL] = true;
}

/* ---- fixture processes ------------------------------------------------- */

struct fix {
	char *root;
	struct ksm_root *r;
	struct ksm_procs procs;
};

static void proc(const char *root, int pid, const char *comm, unsigned int uid,
		 const char *cgroup, const char *stat)
{
	char rel[64], text[256];

	snprintf(rel, sizeof(rel), "proc/%d/comm", pid);
	snprintf(text, sizeof(text), "%s\n", comm);
	tu_write(root, rel, text);
	snprintf(rel, sizeof(rel), "proc/%d/status", pid);
	snprintf(text, sizeof(text), "Name:\t%s\nUid:\t%u\t%u\t%u\t%u\n", comm, uid,
		 uid, uid, uid);
	tu_write(root, rel, text);
	snprintf(rel, sizeof(rel), "proc/%d/cgroup", pid);
	snprintf(text, sizeof(text), "0::%s\n", cgroup);
	tu_write(root, rel, text);
	snprintf(rel, sizeof(rel), "proc/%d/cmdline", pid);
	tu_write(root, rel, comm);
	snprintf(rel, sizeof(rel), "proc/%d/ksm_stat", pid);
	tu_write(root, rel, stat);
}

/* rm -r root/rel */
static void tu_rmtree_rel(const char *root, const char *rel)
{
	char path[PATH_MAX];

	tu_path(path, sizeof(path), root, rel);
	tu_rmtree(path);
}

static const char *stat_of(long rmap, long merging, long long profit,
			   char *buf, size_t size)
{
	snprintf(buf, size,
		 "ksm_rmap_items %ld\nksm_zero_pages 0\nksm_merging_pages %ld\n"
		 "ksm_process_profit %lld\nksm_merge_any: no\nksm_mergeable: %s\n",
		 rmap, merging, profit, rmap || merging ? "yes" : "no");
	return buf;
}

static const struct ksm_scan_opts scan_all = {
	.page_size = PAGE,
	.need = KSM_NEED_COMM | KSM_NEED_UID | KSM_NEED_CGROUP | KSM_NEED_VM,
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	char b[512];

	f->root = tu_mkroot();
	proc(f->root, 100, "qemu-system-x86", 0,
	     "/machine.slice/machine-qemu\\x2d1\\x2dweb.scope/libvirt/emulator",
	     stat_of(600, 450, 1800000, b, sizeof(b)));
	proc(f->root, 200, "java", 0, "/system.slice/app.service",
	     stat_of(100, 50, 180000, b, sizeof(b)));
	proc(f->root, 201, "java", 0, "/system.slice/app.service",
	     stat_of(100, 80, 300000, b, sizeof(b)));
	proc(f->root, 300, "\x1b[2Jevil", 0, "/system.slice/evil.service",
	     stat_of(10000, 10, -600000, b, sizeof(b)));
	proc(f->root, 400, "bash", 0, "/user.slice/session-1.scope",
	     stat_of(0, 0, 0, b, sizeof(b)));
	assert_int_equal(ksm_root_open(&f->r, f->root), 0);
	assert_int_equal(ksm_procs_scan(f->r, &scan_all, &f->procs), 0);
	assert_int_equal(f->procs.n, 4);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	ksm_procs_free(&f->procs);
	ksm_root_close(f->r);
	tu_rmtree(f->root);
	free(f->root);
	free(f);
	return 0;
}

/* A frame of the fixture's processes with this view and size. */
static void frame_of(struct fix *fx, const struct ksm_view *v, int width,
		     int height, struct ksm_frame *f)
{
	struct ksm_sample s;
	struct ksm_frame_input in = {
		.cur = &s, .procs = &fx->procs, .procs_total = 5, .view = v,
		.utf8 = true, .width = width, .height = height,
	};

	sample_at(&s, 100);
	/* what the fixture's processes map: they account for it all */
	set(&s, KSM_PAGES_SHARED, 90);
	set(&s, KSM_PAGES_SHARING, 500);
	assert_int_equal(ksm_frame_compute(&in, f), 0);
}

static bool head_has(const struct ksm_frame *f, const char *text)
{
	for (int i = 0; i < f->nhead; i++)
		if (strstr(f->head[i].text, text))
			return true;
	return false;
}

/* ---- history and sparkline ------------------------------------------------ */

static void test_sparkline(void **state)
{
	const double up[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	const double flat[] = { 5, 5, 5 }, zero[] = { 0, 0 };
	char out[64];

	(void)state;
	ksm_sparkline(up, 8, true, out, sizeof(out));
	assert_string_equal(out, "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588");
	ksm_sparkline(up, 8, false, out, sizeof(out));
	assert_string_equal(out, " .:-=+*#");
	ksm_sparkline(flat, 3, false, out, sizeof(out));
	assert_string_equal(out, "---");
	ksm_sparkline(zero, 2, true, out, sizeof(out));
	assert_string_equal(out, "\u2581\u2581");
	/* scaled from the minimum: a small rise on a big base shows */
	{
		const double rise[] = { 1000, 1001, 1002 };

		ksm_sparkline(rise, 3, false, out, sizeof(out));
		assert_string_equal(out, " =#");
	}
	/* never past the buffer, and never half a character */
	ksm_sparkline(up, 8, true, out, 8);
	assert_string_equal(out, "\u2581\u2582");
}

static void test_history_ring(void **state)
{
	struct ksm_history *h = malloc(sizeof(*h));
	struct ksm_sample a, b;
	double v[KSM_HIST_MAX];
	size_t n;

	(void)state;
	ksm_history_init(h);
	for (int i = 0; i < KSM_HIST_MAX + 10; i++) {
		sample_at(&b, i);
		set(&b, KSM_PAGES_SHARING, i);
		ksm_history_push(h, i ? &a : NULL, &b);
		a = b;
	}
	n = ksm_history_values(h, KSM_HIST_SAVED, v, KSM_HIST_MAX);
	assert_int_equal(n, KSM_HIST_MAX);
	/* oldest first; the first ten fell off */
	assert_true(v[0] == 10.0 * PAGE);
	assert_true(v[n - 1] == (double)(KSM_HIST_MAX + 9) * PAGE);
	n = ksm_history_values(h, KSM_HIST_SAVED, v, 3);
	assert_int_equal(n, 3);
	assert_true(v[2] == (double)(KSM_HIST_MAX + 9) * PAGE);
	free(h);
}

static void test_full_scan_time(void **state)
{
	struct ksm_history h;
	struct ksm_sample s[6];
	const long long scans[] = { 10, 10, 11, 11, 13, 0 };

	(void)state;
	ksm_history_init(&h);
	for (int i = 0; i < 6; i++) {
		sample_at(&s[i], 100 + 2 * i);
		set(&s[i], KSM_FULL_SCANS, scans[i]);
		ksm_history_push(&h, i ? &s[i - 1] : NULL, &s[i]);
		switch (i) {
		case 2:	/* the first end seen: nothing to time yet */
			assert_true(isnan(h.last_scan_s));
			break;
		case 4:	/* two more scans in 4 s since the last end */
			assert_true(fabs(h.last_scan_s - 2.0) < 1e-9);
			break;
		case 5:	/* run=2 reset the count: the timing starts over */
			assert_true(isnan(h.last_scan_s));
			break;
		}
	}
}

/* ---- rates, ksmd, findings ------------------------------------------------ */

static void test_rates(void **state)
{
	struct ksm_sample a, b;
	struct ksm_view v = { .sort = KSM_PCOL_PROFIT, .delay = 2 };
	struct ksm_frame_input in = { .prev = &a, .cur = &b, .view = &v,
				      .utf8 = true, .width = 80, .height = 24 };
	struct ksm_frame *f = malloc(sizeof(*f));

	(void)state;
	sample_at(&a, 100);
	sample_at(&b, 102);
	set(&b, KSM_PAGES_SHARING, 1200);	/* +200 in 2 s */
	set(&b, KSM_PAGES_SCANNED, 60000);	/* +10000 */
	set(&b, KSM_FULL_SCANS, 11);		/* one in 2 s: 30/min */
	assert_int_equal(ksm_frame_compute(&in, f), 0);
	assert_true(f->have_rates);
	assert_true(fabs(f->rates.merged_pages_per_s - 100) < 1e-9);
	assert_true(fabs(f->rates.scanned_pages_per_s - 5000) < 1e-9);
	assert_true(fabs(f->rates.full_scans_per_min - 30) < 1e-9);
	assert_true(head_has(f, "rates (pages/s)  merged +100  "));
	assert_true(head_has(f, "  scanned 5000  "));
	assert_true(head_has(f, "  full scans 30.0/min  "));
	ksm_frame_free(f);

	/* the first frame has no rates, and says so */
	in.prev = NULL;
	assert_int_equal(ksm_frame_compute(&in, f), 0);
	assert_false(f->have_rates);
	assert_true(head_has(f, "waiting for a second sample"));
	assert_true(head_has(f, "ksmd CPU -"));
	ksm_frame_free(f);
	free(f);
}

static void test_ksmd_cpu(void **state)
{
	struct ksm_sample a, b;
	struct ksm_view v = { .sort = KSM_PCOL_PROFIT, .delay = 2 };
	struct ksm_frame_input in = {
		.prev = &a, .cur = &b, .view = &v, .utf8 = true, .width = 80,
		.height = 24, .ksmd_known = true, .ksmd_prev_ns = 1000000000ULL,
		.ksmd_cur_ns = 1600000000ULL,	/* 0.6 s of CPU in 2 s */
	};
	struct ksm_frame *f = malloc(sizeof(*f));

	(void)state;
	sample_at(&a, 100);
	sample_at(&b, 102);
	assert_int_equal(ksm_frame_compute(&in, f), 0);
	assert_true(fabs(f->ksmd_pct - 30) < 1e-9);
	assert_true(head_has(f, "ksmd 30.0% CPU"));
	/* top's own finding comes first: it is a warning */
	assert_int_equal(f->head[f->nhead - 1].kind == KSM_FL_FINDING ||
			 f->head[f->nhead - 1].kind == KSM_FL_MORE, 1);
	for (int i = 0; i < f->nhead; i++) {
		if (f->head[i].kind != KSM_FL_FINDING)
			continue;
		assert_int_equal(f->head[i].sev, SEV_WARNING);
		assert_non_null(strstr(f->head[i].text, "ksmd uses 30% of a CPU"));
		break;
	}
	ksm_frame_free(f);

	/* 6% for nothing saved: the other warning */
	in.ksmd_cur_ns = 1120000000ULL;
	set(&b, KSM_PAGES_SHARING, 0);
	set(&b, KSM_GENERAL_PROFIT, -64000);
	assert_int_equal(ksm_frame_compute(&in, f), 0);
	assert_true(head_has(f, "ksmd uses 6% of a CPU and merging saves no memory yet"));
	ksm_frame_free(f);

	/* a CPU time going backwards (another thread) is unknown, not < 0 */
	in.ksmd_cur_ns = 10;
	assert_int_equal(ksm_frame_compute(&in, f), 0);
	assert_true(isnan(f->ksmd_pct));
	ksm_frame_free(f);
	free(f);
}

static void test_findings_fit(void **state)
{
	struct ksm_sample s;
	struct ksm_view v = { .sort = KSM_PCOL_PROFIT, .delay = 2 };
	struct ksm_frame_input in = { .cur = &s, .view = &v, .utf8 = true,
				      .width = 80, .height = 24 };
	struct ksm_frame *f = malloc(sizeof(*f));
	int shown = 0, more = 0;

	(void)state;
	sample_at(&s, 100);
	/* sleep 0, huge waste, mostly volatile, negative profit */
	set(&s, KSM_SLEEP_MILLISECS, 0);
	set(&s, KSM_PAGES_UNSHARED, 100000);
	set(&s, KSM_PAGES_VOLATILE, 900000);
	set(&s, KSM_GENERAL_PROFIT, -1000);
	assert_int_equal(ksm_frame_compute(&in, f), 0);
	assert_true(f->nfindings >= 4);
	for (int i = 0; i < f->nhead; i++) {
		shown += f->head[i].kind == KSM_FL_FINDING;
		more += f->head[i].kind == KSM_FL_MORE;
	}
	/* 80x24: two findings and a line that says how many more */
	assert_int_equal(shown, 2);
	assert_int_equal(more, 1);
	assert_true(head_has(f, "more findings"));
	ksm_frame_free(f);

	/* batch: every one */
	in.width = in.height = 0;
	assert_int_equal(ksm_frame_compute(&in, f), 0);
	shown = 0;
	for (int i = 0; i < f->nhead; i++)
		shown += f->head[i].kind == KSM_FL_FINDING;
	assert_int_equal(shown, f->nfindings);
	/* worst first */
	for (int i = 1; i < f->nhead; i++)
		if (f->head[i].kind == KSM_FL_FINDING &&
		    f->head[i - 1].kind == KSM_FL_FINDING)
			assert_true(f->head[i - 1].sev >= f->head[i].sev);
	ksm_frame_free(f);
	free(f);
}

/* ---- the table --------------------------------------------------------------- */

static void assert_pids(const struct ksm_frame *f, const int *pids, size_t n)
{
	assert_int_equal(f->nrows, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(f->rows[i].pid, pids[i]);
}

static void test_sorting(void **state)
{
	struct ksm_view v = { .sort = KSM_PCOL_PROFIT, .delay = 2 };
	struct ksm_frame *f = malloc(sizeof(*f));
	const int by_profit[] = { 100, 201, 200, 300 };
	const int by_pid[] = { 100, 200, 201, 300 };
	const int by_comm[] = { 300, 200, 201, 100 };	/* "\x1b..." < "java" */
	const int by_rmap[] = { 300, 100, 200, 201 };
	const int by_verdict[] = { 300, 100, 200, 201 };	/* waste first */

	frame_of(*state, &v, 120, 40, f);
	assert_pids(f, by_profit, 4);
	assert_true(f->rows[3].loss);
	assert_false(f->rows[0].loss);
	ksm_frame_free(f);
	v.sort = KSM_PCOL_PID;
	frame_of(*state, &v, 120, 40, f);
	assert_pids(f, by_pid, 4);
	ksm_frame_free(f);
	v.sort = KSM_PCOL_COMM;
	frame_of(*state, &v, 120, 40, f);
	assert_pids(f, by_comm, 4);
	ksm_frame_free(f);
	v.sort = KSM_PCOL_RMAP;
	frame_of(*state, &v, 120, 40, f);
	assert_pids(f, by_rmap, 4);
	ksm_frame_free(f);
	v.sort = KSM_PCOL_VERDICT;
	frame_of(*state, &v, 120, 40, f);
	assert_pids(f, by_verdict, 4);
	ksm_frame_free(f);
	free(f);
}

static void test_sort_keys(void **state)
{
	struct ksm_view v = { .sort = KSM_PCOL_PROFIT };
	enum ksm_pcol c;

	(void)state;
	assert_int_equal(ksm_view_parse_sort("pid", KSM_BY_NONE, &c), 0);
	assert_int_equal(c, KSM_PCOL_PID);
	assert_int_equal(ksm_view_parse_sort("PID", KSM_BY_UNIT, &c), -EINVAL);
	assert_int_equal(ksm_view_parse_sort("PROCS", KSM_BY_NONE, &c), -EINVAL);
	assert_int_equal(ksm_view_parse_sort("bogus", KSM_BY_NONE, &c), -ENOENT);
	/* the key of a grouping is its column */
	assert_int_equal(ksm_view_parse_sort("unit", KSM_BY_UNIT, &c), 0);
	assert_int_equal(c, ksm_pcol_key(KSM_BY_UNIT));	/* the key */
	assert_int_equal(ksm_view_parse_sort("unit", KSM_BY_NONE, &c), 0);
	assert_int_equal(c, KSM_PCOL_UNIT);
	/* top shows the cgroup too, on a wide screen */
	assert_int_equal(ksm_view_parse_sort("CGROUP", KSM_BY_NONE, &c), 0);
	assert_int_equal(c, KSM_PCOL_CGROUP);
	assert_int_equal(ksm_view_parse_sort("UID", KSM_BY_NONE, &c), -ENOENT);
	/* > and < walk the columns and wrap */
	assert_int_equal(ksm_view_next_sort(&v, 1), KSM_PCOL_SHARE);
	assert_int_equal(ksm_view_next_sort(&v, -1), KSM_PCOL_RMAP);
	v.sort = KSM_PCOL_PID;
	assert_int_equal(ksm_view_next_sort(&v, -1), KSM_PCOL_CGROUP);
	/* a column the grouped view lacks sorts by profit */
	v.by = KSM_BY_USER;
	assert_int_equal(ksm_view_sort(&v), KSM_PCOL_PROFIT);
	assert_int_equal(ksm_view_next_group(KSM_BY_NONE), KSM_BY_CGROUP);
	assert_int_equal(ksm_view_next_group(KSM_BY_CGROUP), KSM_BY_UNIT);
	assert_int_equal(ksm_view_next_group(KSM_BY_UNIT), KSM_BY_VM);
	assert_int_equal(ksm_view_next_group(KSM_BY_VM), KSM_BY_USER);
	assert_int_equal(ksm_view_next_group(KSM_BY_USER), KSM_BY_COMM);
	assert_int_equal(ksm_view_next_group(KSM_BY_COMM), KSM_BY_NONE);
}

static void test_grouping(void **state)
{
	struct fix *fx = *state;
	struct ksm_view v = { .sort = KSM_PCOL_PROFIT, .by = KSM_BY_UNIT, .delay = 2 };
	struct ksm_frame *f = malloc(sizeof(*f));

	frame_of(fx, &v, 120, 24, f);
	assert_int_equal(f->nrows, 3);
	assert_int_equal(strncmp(f->headings, "UNIT ", 5), 0);
	/* units as systemctl names them, largest profit first */
	assert_string_equal(ksm_procs_str(&fx->procs, f->rows[0].key),
			    "machine-qemu\\x2d1\\x2dweb.scope");
	assert_non_null(strstr(ksm_frame_row(f, 0), "machine-qemu\\x2d1\\x2dweb.scope"));
	assert_string_equal(ksm_procs_str(&fx->procs, f->rows[1].key), "app.service");
	/* app.service: 2 processes, 480000 bytes of profit */
	assert_non_null(strstr(ksm_frame_row(f, 1), "      2 "));
	assert_non_null(strstr(ksm_frame_row(f, 1), "468.8K"));
	assert_true(f->rows[2].loss);
	assert_non_null(strstr(f->summary, "4 of 5 processes use KSM, 3 units: "));
	ksm_frame_free(f);

	/* cgroups are cut from the left, with an ellipsis: the leaf names them */
	v.by = KSM_BY_CGROUP;
	frame_of(fx, &v, 60, 24, f);
	assert_int_equal(strncmp(f->headings, "CGROUP", 6), 0);
	assert_int_equal(strncmp(ksm_frame_row(f, 0), "\u2026/libvirt/emulator ", 21), 0);
	assert_int_equal(ksm_text_width(ksm_frame_row(f, 0), true), 60);
	ksm_frame_free(f);

	/* a wide screen: the name as wide as the widest, not stretched */
	frame_of(fx, &v, 200, 24, f);
	assert_non_null(strstr(ksm_frame_row(f, 0),
			       "/machine.slice/machine-qemu\\x2d1\\x2dweb.scope/libvirt/emulator      1 "));
	assert_ptr_equal(strstr(ksm_frame_row(f, 0), "/machine"), ksm_frame_row(f, 0));
	assert_non_null(strstr(f->headings, " ZERO "));
	assert_int_equal(ksm_text_width(ksm_frame_row(f, 0), true), 200);
	ksm_frame_free(f);

	/* by user: one group, every process */
	v.by = KSM_BY_USER;
	frame_of(fx, &v, 80, 24, f);
	assert_int_equal(f->nrows, 1);
	assert_int_equal(f->rows[0].pid, 0);
	ksm_frame_free(f);
	free(f);
}

static void test_layout(void **state)
{
	struct ksm_view v = { .sort = KSM_PCOL_PROFIT, .delay = 2 };
	struct ksm_frame *f = malloc(sizeof(*f));

	frame_of(*state, &v, 80, 24, f);
	/* 80 columns: ps's default columns, every line exactly as wide */
	assert_string_equal(f->headings,
			    "    PID USER     COMM             MERGING PROFIT\u25bc  SHARE VERDICT  UNIT          ");
	/* a unit too long for its room cut with an ellipsis */
	assert_non_null(strstr(ksm_frame_row(f, 0), " machine-qemu\\\u2026"));
	assert_int_equal(ksm_text_width(f->headings, true), 80);
	for (size_t i = 0; i < f->nrows; i++)
		assert_int_equal(ksm_text_width(ksm_frame_row(f, i), true), 80);
	for (int i = 0; i < f->nhead; i++)
		assert_true(ksm_text_width(f->head[i].text, true) <= 80);
	/* the sort column, for highlighting */
	assert_int_equal(strncmp(f->headings + f->sort_off, "PROFIT\u25bc",
				 (size_t)f->sort_len), 0);
	ksm_frame_free(f);

	/* 120: the unit whole, ZERO and RMAP too, the VM as room allows */
	frame_of(*state, &v, 120, 24, f);
	assert_non_null(strstr(f->headings, " ZERO "));
	assert_non_null(strstr(f->headings, " RMAP "));
	assert_non_null(strstr(ksm_frame_row(f, 0),
			       " machine-qemu\\x2d1\\x2dweb.scope "));
	assert_int_equal(ksm_text_width(ksm_frame_row(f, 0), true), 120);
	ksm_frame_free(f);

	/* 200: the cgroup too */
	frame_of(*state, &v, 200, 24, f);
	assert_non_null(strstr(f->headings, " CGROUP"));
	assert_non_null(strstr(ksm_frame_row(f, 0),
			       " /machine.slice/machine-qemu\\x2d1\\x2dweb.scope/libvirt/emulator"));
	ksm_frame_free(f);

	/* sorted by a column the width leaves out: it is shown all the same */
	v.sort = KSM_PCOL_RMAP;
	frame_of(*state, &v, 80, 24, f);
	assert_non_null(strstr(f->headings, " RMAP\u25bc "));
	assert_int_equal(ksm_text_width(f->headings, true), 80);
	ksm_frame_free(f);
	v.sort = KSM_PCOL_PROFIT;

	/* narrow: columns go from the right, none is cut in half */
	frame_of(*state, &v, 40, 24, f);
	assert_true(ksm_text_width(f->headings, true) <= 40);
	assert_null(strstr(f->headings, "SHARE"));
	assert_non_null(strstr(f->headings, "COMM"));
	ksm_frame_free(f);

	/* batch: no limit, every column, no padding at the end */
	frame_of(*state, &v, 0, 0, f);
	assert_non_null(strstr(f->headings, " UNIT "));
	assert_non_null(strstr(f->headings, " CGROUP"));
	assert_int_equal(f->visible, f->nrows);
	for (size_t i = 0; i < f->nrows; i++) {
		const char *r = ksm_frame_row(f, i);

		assert_true(r[strlen(r) - 1] != ' ');
	}
	ksm_frame_free(f);
	free(f);
}

static void test_escaping(void **state)
{
	struct ksm_view v = { .sort = KSM_PCOL_PID, .delay = 2 };
	struct ksm_frame *f = malloc(sizeof(*f));

	frame_of(*state, &v, 120, 24, f);
	/* pid 300's comm is "\033[2Jevil": shown escaped, never raw */
	for (size_t i = 0; i < f->nrows; i++)
		assert_null(strchr(ksm_frame_row(f, i), '\x1b'));
	assert_non_null(strstr(ksm_frame_row(f, 3), "\\x1b[2Jevil"));
	ksm_frame_free(f);
	free(f);
}

static void test_scroll_clamp(void **state)
{
	struct ksm_view v = { .sort = KSM_PCOL_PID, .delay = 2 };
	struct ksm_frame *f = malloc(sizeof(*f));
	int fixed;

	/* room for two rows: fixed lines + 2 rows + the status line */
	frame_of(*state, &v, 80, 24, f);
	fixed = ksm_frame_fixed_lines(f);
	ksm_frame_free(f);

	v.selected = 99;
	frame_of(*state, &v, 80, fixed + 3, f);
	assert_int_equal(f->visible, 2);
	assert_int_equal(f->selected, 3);	/* the last row */
	assert_int_equal(f->top, 2);		/* and it is on screen */
	ksm_frame_free(f);

	/* moving up past the top scrolls up */
	v.selected = 1;
	v.top = 2;
	frame_of(*state, &v, 80, fixed + 3, f);
	assert_int_equal(f->top, 1);
	assert_int_equal(f->selected, 1);
	ksm_frame_free(f);

	/* a top beyond what can fill the screen comes back */
	v.selected = 0;
	v.top = 0;
	frame_of(*state, &v, 80, 40, f);
	assert_int_equal(f->top, 0);
	assert_true(f->visible >= f->nrows);
	ksm_frame_free(f);

	/* no room at all: nothing breaks */
	v.selected = 2;
	frame_of(*state, &v, 80, 3, f);
	assert_int_equal(f->visible, 0);
	assert_int_equal(f->selected, 2);
	ksm_frame_free(f);
	free(f);
}

static void test_fit(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(ksm_fit("abc", 5, false, true, out, sizeof(out)), 5);
	assert_string_equal(out, "abc  ");
	ksm_fit("abc", 5, true, true, out, sizeof(out));
	assert_string_equal(out, "  abc");
	ksm_fit("abcdef", 3, false, true, out, sizeof(out));
	assert_string_equal(out, "abc");
	/* cut on a character, counted in columns */
	ksm_fit("\u2581\u2582\u2583", 2, false, true, out, sizeof(out));
	assert_string_equal(out, "\u2581\u2582");
	/* a wide character does not fit in one column */
	ksm_fit("\u4e2dx", 1, false, true, out, sizeof(out));
	assert_string_equal(out, " ");
	/* no UTF-8 terminal: bytes above 0x7f as \xNN */
	ksm_fit("\u00e9", -1, false, false, out, sizeof(out));
	assert_string_equal(out, "\\xc3\\xa9");
	assert_int_equal(ksm_text_width("\u2581x", true), 2);
	ksm_format_duration(45, out, sizeof(out));
	assert_string_equal(out, "45s");
	ksm_format_duration(125, out, sizeof(out));
	assert_string_equal(out, "2m05s");
	ksm_format_duration(3720, out, sizeof(out));
	assert_string_equal(out, "1h02m");
	ksm_format_duration(NAN, out, sizeof(out));
	assert_string_equal(out, "-");
}

static void test_ascii_frame(void **state)
{
	struct ksm_sample a, b;
	struct ksm_history h;
	struct ksm_view v = { .sort = KSM_PCOL_PROFIT, .delay = 2 };
	struct ksm_frame_input in = { .prev = &a, .cur = &b, .view = &v,
				      .hist = &h, .width = 80, .height = 24 };
	struct ksm_frame *f = malloc(sizeof(*f));

	(void)state;
	ksm_history_init(&h);
	sample_at(&a, 100);
	sample_at(&b, 102);
	set(&b, KSM_PAGES_SHARING, 2000);
	ksm_history_push(&h, NULL, &a);
	ksm_history_push(&h, &a, &b);
	assert_int_equal(ksm_frame_compute(&in, f), 0);
	for (int i = 0; i < f->nhead; i++) {
		for (const char *p = f->head[i].text; *p; p++)
			assert_true((unsigned char)*p < 0x80);
		if (f->head[i].kind == KSM_FL_MEMORY && i == 3) {
			assert_true(f->head[i].spark > 0);
			/* the sparkline, ASCII: low, high */
			assert_string_equal(f->head[i].text + f->head[i].spark,
					    " #");
		}
	}
	assert_non_null(strstr(f->headings, "PROFIT*"));
	/* the range of the sparkline is shown */
	assert_true(head_has(f, "[3.9M..7.8M]"));
	ksm_frame_free(f);
	free(f);
}

/* ---- the live scan ------------------------------------------------------------ */

static bool has_pid(const struct ksm_procs *p, int pid)
{
	for (size_t k = 0; k < p->n; k++)
		if (p->v[k].pid == pid)
			return true;
	return false;
}

static void test_live_scan(void **state)
{
	struct fix *fx = *state;
	struct ksm_live l;
	struct ksm_procs p;
	char b[512];
	bool seen = false;

	ksm_live_init(&l);
	/* the first round lists /proc and reads everything */
	assert_int_equal(ksm_live_scan(fx->r, &l, &scan_all, 4, false, &p), 0);
	assert_int_equal(ksm_live_count(&l), 5);
	assert_int_equal(l.last_read, 5);
	assert_int_equal(p.n, 4);
	ksm_procs_free(&p);

	/* then: the four that use KSM; bash (400) only on its turn */
	assert_int_equal(ksm_live_scan(fx->r, &l, &scan_all, 4, false, &p), 0);
	assert_int_equal(l.last_read, 4);
	ksm_procs_free(&p);

	/* bash starts using KSM, and a new process appears */
	proc(fx->root, 400, "bash", 0, "/user.slice/session-1.scope",
	     stat_of(50, 20, 70000, b, sizeof(b)));
	proc(fx->root, 500, "new", 0, "/system.slice/new.service",
	     stat_of(10, 5, 1000, b, sizeof(b)));
	/* not listed yet: not seen */
	assert_int_equal(ksm_live_scan(fx->r, &l, &scan_all, 4, false, &p), 0);
	assert_int_equal(ksm_live_count(&l), 5);
	assert_false(has_pid(&p, 500));
	ksm_procs_free(&p);
	/* listed: read at once */
	assert_int_equal(ksm_live_scan(fx->r, &l, &scan_all, 4, true, &p), 0);
	assert_int_equal(ksm_live_count(&l), 6);
	assert_true(has_pid(&p, 500));
	ksm_procs_free(&p);
	/* bash: on its turn, within 4 rounds */
	for (int i = 0; i < 4 && !seen; i++) {
		assert_int_equal(ksm_live_scan(fx->r, &l, &scan_all, 4, false, &p), 0);
		seen = has_pid(&p, 400);
		ksm_procs_free(&p);
	}
	assert_true(seen);
	/* and once it uses KSM, read every round */
	assert_int_equal(ksm_live_scan(fx->r, &l, &scan_all, 4, false, &p), 0);
	assert_int_equal(p.n, 6);
	ksm_procs_free(&p);

	/* a process that exits: gone at its next read, no longer counted */
	tu_rmtree_rel(fx->root, "proc/500");
	assert_int_equal(ksm_live_scan(fx->r, &l, &scan_all, 4, false, &p), 0);
	assert_int_equal(ksm_live_count(&l), 5);
	assert_int_equal(p.n, 5);
	ksm_procs_free(&p);
	/* and not read again */
	assert_int_equal(ksm_live_scan(fx->r, &l, &scan_all, 4, false, &p), 0);
	assert_int_equal(l.last_read, 5);
	ksm_procs_free(&p);
	/* the same pid listed again is another process: read at once */
	proc(fx->root, 500, "again", 0, "/system.slice/again.service",
	     stat_of(10, 5, 1000, b, sizeof(b)));
	assert_int_equal(ksm_live_scan(fx->r, &l, &scan_all, 4, true, &p), 0);
	assert_true(has_pid(&p, 500));
	ksm_procs_free(&p);
	tu_rmtree_rel(fx->root, "proc/500");
	/* turns 1: everything, every time */
	assert_int_equal(ksm_live_scan(fx->r, &l, &scan_all, 1, true, &p), 0);
	assert_int_equal(l.last_read, 5);
	ksm_procs_free(&p);
	ksm_live_free(&l);

	/* put the fixture back for the other tests */
	proc(fx->root, 400, "bash", 0, "/user.slice/session-1.scope",
	     stat_of(0, 0, 0, b, sizeof(b)));
	assert_true(ksm_live_due(7, false, false, 3, 4));
	assert_false(ksm_live_due(7, false, false, 2, 4));
	assert_true(ksm_live_due(7, true, false, 2, 4));
	assert_true(ksm_live_due(7, false, true, 2, 4));
}

/* Unreadable processes stay counted between their turns. */
static void test_live_unreadable(void **state)
{
	struct fix *fx = *state;
	struct ksm_live l;
	struct ksm_procs p;

	ksm_live_init(&l);
	tu_make_dir_instead(fx->root, "proc/400/ksm_stat");
	for (int i = 0; i < 5; i++) {
		assert_int_equal(ksm_live_scan(fx->r, &l, &scan_all, 4, false, &p), 0);
		assert_int_equal(p.failed, 1);
		ksm_procs_free(&p);
	}
	ksm_live_free(&l);
	tu_rmtree_rel(fx->root, "proc/400/ksm_stat");
	tu_write(fx->root, "proc/400/ksm_stat", "ksm_rmap_items 0\nksm_zero_pages 0\n"
		 "ksm_merging_pages 0\nksm_process_profit 0\n"
		 "ksm_merge_any: no\nksm_mergeable: no\n");
}

/* ---- issue 16: frames that agree with themselves and fit ---------------- */

static int finding_lines(const struct ksm_frame *f, const char *text)
{
	int n = 0;

	for (int i = 0; i < f->nhead; i++)
		n += f->head[i].kind == KSM_FL_FINDING &&
		     strstr(f->head[i].text, text) != NULL;
	return n;
}

/*
 * ksmd stopped during the last interval: the state line says stopped,
 * the CPU it used before is labelled so, and no finding warns about a
 * cost that is gone ("stopped (run 0) ksmd 5.9% CPU" with "ksmd uses 6%").
 */
static void test_ksmd_stopped(void **state)
{
	struct ksm_sample a, b;
	struct ksm_view v = { .sort = KSM_PCOL_PROFIT, .delay = 2 };
	struct ksm_frame_input in = {
		.prev = &a, .cur = &b, .view = &v, .utf8 = true, .width = 80,
		.height = 40, .ksmd_known = true, .ksmd_prev_ns = 1000000000ULL,
		.ksmd_cur_ns = 1118000000ULL,	/* 5.9% of 2 s */
	};
	struct ksm_frame *f = malloc(sizeof(*f));

	(void)state;
	sample_at(&a, 100);
	sample_at(&b, 102);
	set(&b, KSM_RUN, 0);
	set(&b, KSM_GENERAL_PROFIT, -64000);	/* nothing saved */
	assert_int_equal(ksm_frame_compute(&in, f), 0);
	assert_true(head_has(f, "stopped (run 0)  ksmd 5.9% CPU until it stopped"));
	assert_false(head_has(f, "ksmd uses"));
	assert_true(head_has(f, "ksmd is stopped"));	/* status's info */
	ksm_frame_free(f);

	/* stopped all along: no label, no warning */
	set(&a, KSM_RUN, 0);
	in.ksmd_cur_ns = 1000200000ULL;
	assert_int_equal(ksm_frame_compute(&in, f), 0);
	assert_true(head_has(f, "stopped (run 0)  ksmd 0.0% CPU  every"));
	assert_false(head_has(f, "ksmd uses"));
	ksm_frame_free(f);

	/* unmerged (run 2) after running: the same */
	set(&a, KSM_RUN, 1);
	set(&b, KSM_RUN, 2);
	in.ksmd_cur_ns = 1600000000ULL;
	assert_int_equal(ksm_frame_compute(&in, f), 0);
	assert_true(head_has(f, "unmerged (run 2)  ksmd 30.0% CPU until it stopped"));
	assert_false(head_has(f, "ksmd uses"));
	ksm_frame_free(f);

	/* running: the warning, and no label */
	set(&b, KSM_RUN, 1);
	assert_int_equal(ksm_frame_compute(&in, f), 0);
	assert_true(head_has(f, "running (run 1)  ksmd 30.0% CPU  every"));
	assert_true(head_has(f, "ksmd uses 30% of a CPU"));
	ksm_frame_free(f);
	free(f);
}

/* The system merged far more than the processes map: one header line. */
static void test_unseen(void **state)
{
	struct fix *fx = *state;
	struct ksm_sample s;
	struct ksm_view v = { .sort = KSM_PCOL_PROFIT, .delay = 2 };
	struct ksm_frame_input in = {
		.cur = &s, .procs = &fx->procs, .procs_total = 5, .view = &v,
		.utf8 = true, .width = 200, .height = 40,
	};
	struct ksm_frame *f = malloc(sizeof(*f));

	sample_at(&s, 100);
	set(&s, KSM_PAGES_SHARED, 590);
	set(&s, KSM_PAGES_SHARING, 1000);	/* 590 of 1590 pages seen */
	assert_int_equal(ksm_frame_compute(&in, f), 0);
	assert_int_equal(finding_lines(f, "the processes listed hold 37% of KSM's merged pages (2.3M of 6.2M): the rest belong to processes in other PID namespaces, unreadable, or exited"), 1);
	ksm_frame_free(f);

	/* processes asked for by pid: left out on purpose, nothing said */
	in.only_pids = true;
	assert_int_equal(ksm_frame_compute(&in, f), 0);
	assert_false(head_has(f, "processes listed hold"));
	ksm_frame_free(f);

	/* they account for it: nothing said */
	in.only_pids = false;
	set(&s, KSM_PAGES_SHARING, 500);
	set(&s, KSM_PAGES_SHARED, 90);
	assert_int_equal(ksm_frame_compute(&in, f), 0);
	assert_false(head_has(f, "processes listed hold"));
	ksm_frame_free(f);
	free(f);
}

/* / filters by name: command, user, unit, VM or cgroup, any case. */
static void test_filter(void **state)
{
	struct fix *fx = *state;
	struct ksm_view v = { .sort = KSM_PCOL_PID, .delay = 2 };
	struct ksm_frame *f = malloc(sizeof(*f));

	snprintf(v.filter, sizeof(v.filter), "JAVA");
	frame_of(fx, &v, 80, 24, f);
	assert_int_equal(f->nrows, 2);
	assert_int_equal(f->rows[0].pid, 200);
	assert_int_equal(f->rows[1].pid, 201);
	/* the summary sums what is shown, and says what is filtered */
	assert_string_equal(f->summary,
			    "2 of 4 processes match /JAVA: merging 520K, profit 468.8K");
	ksm_frame_free(f);

	/* a unit, a VM, a cgroup */
	snprintf(v.filter, sizeof(v.filter), "app.service");
	frame_of(fx, &v, 80, 24, f);
	assert_int_equal(f->nrows, 2);
	ksm_frame_free(f);
	snprintf(v.filter, sizeof(v.filter), "web");
	frame_of(fx, &v, 80, 24, f);
	assert_int_equal(f->nrows, 1);
	assert_int_equal(f->rows[0].pid, 100);
	ksm_frame_free(f);
	snprintf(v.filter, sizeof(v.filter), "system.slice");
	frame_of(fx, &v, 80, 24, f);
	assert_int_equal(f->nrows, 3);
	ksm_frame_free(f);

	/* grouped: the groups of the processes that match */
	v.by = KSM_BY_UNIT;
	frame_of(fx, &v, 80, 24, f);
	assert_int_equal(f->nrows, 2);
	assert_non_null(strstr(f->summary, "3 of 4 processes match /system.slice, 2 units:"));
	ksm_frame_free(f);

	/* nothing matches: no rows, sums known as zero */
	v.by = KSM_BY_NONE;
	snprintf(v.filter, sizeof(v.filter), "nosuchname");
	frame_of(fx, &v, 80, 24, f);
	assert_int_equal(f->nrows, 0);
	assert_non_null(strstr(f->summary, "0 of 4 processes match /nosuchname: merging 0B, profit 0B"));
	ksm_frame_free(f);

	/* a hostile filter is shown escaped */
	snprintf(v.filter, sizeof(v.filter), "\x1b[2J");
	frame_of(fx, &v, 80, 24, f);
	assert_int_equal(f->nrows, 1);
	assert_null(strchr(f->summary, '\x1b'));
	assert_non_null(strstr(f->summary, "/\\x1b[2J"));
	ksm_frame_free(f);
	free(f);
}

/* A finding longer than the line wraps at words, under its text. */
static void test_findings_wrap(void **state)
{
	struct ksm_sample a, b;
	struct ksm_view v = { .sort = KSM_PCOL_PROFIT, .delay = 2 };
	struct ksm_frame_input in = {
		.prev = &a, .cur = &b, .view = &v, .utf8 = true, .width = 80,
		.height = 24, .ksmd_known = true, .ksmd_prev_ns = 1000000000ULL,
		.ksmd_cur_ns = 1600000000ULL,
	};
	struct ksm_frame *f = malloc(sizeof(*f));
	char lines[3][KSM_FRAME_LINE];
	int first = -1;

	(void)state;
	sample_at(&a, 100);
	sample_at(&b, 102);
	assert_int_equal(ksm_frame_compute(&in, f), 0);
	for (int i = 0; i < f->nhead; i++) {
		assert_true(ksm_text_width(f->head[i].text, true) <= 80);
		if (first < 0 && strstr(f->head[i].text, "ksmd uses 30%"))
			first = i;
	}
	assert_true(first >= 0);
	/* "warning  ksmd uses 30% of a CPU: lower pages_to_scan or raise
	 * sleep_millisecs (or cap the advisor with advisor_max_cpu)": two
	 * lines, cut between words, the second under the text */
	assert_string_equal(f->head[first].text,
			    "warning  ksmd uses 30% of a CPU: lower pages_to_scan or raise sleep_millisecs");
	assert_string_equal(f->head[first + 1].text,
			    "         (or cap the advisor with advisor_max_cpu)");
	assert_int_equal(f->head[first + 1].kind, KSM_FL_FINDING);
	ksm_frame_free(f);

	free(f);
	/* one line left: cut after a word, with an ellipsis */
	assert_int_equal(ksm_wrap("warning  ksmd uses 30% of a CPU: lower pages_to_scan or raise sleep_millisecs",
				  60, 9, true, lines, 1), 1);
	assert_string_equal(lines[0], "warning  ksmd uses 30% of a CPU: lower pages_to_scan or\u2026");
	/* a word longer than the line is cut in it */
	assert_int_equal(ksm_wrap("aaaaaaaaaabbbbbbbbbb cc", 10, 2, true, lines, 3), 3);
	assert_string_equal(lines[0], "aaaaaaaaaa");
	assert_string_equal(lines[1], "  bbbbbbbb");
	assert_string_equal(lines[2], "  bb cc");
}

static void test_keybar(void **state)
{
	static const struct ksm_key_hint h[] = {
		{ "Enter", "detail", 3 }, { "/", "filter", 4 }, { "s", "sort", 5 },
		{ "h", "help", 2 }, { "q", "quit", 1 },
	};
	bool shown[5];

	(void)state;
	/* all of it: 12 + 8 + 6 + 6 + 6 and 4 gaps of 2 */
	assert_int_equal(ksm_keybar(h, 5, 79, true, shown), 46);
	for (int i = 0; i < 5; i++)
		assert_true(shown[i]);
	/* narrow: the worst ranked go first, the order stays */
	assert_int_equal(ksm_keybar(h, 5, 30, true, shown), 28);
	assert_true(shown[0] && shown[3] && shown[4]);
	assert_false(shown[1] || shown[2]);
	assert_int_equal(ksm_keybar(h, 5, 5, true, shown), 0);
	assert_int_equal(ksm_keybar(h, 5, 6, true, shown), 6);
	assert_true(shown[4]);
}

/* Enter: one process in detail, from its files. */
static void test_detail(void **state)
{
	struct fix *fx = *state;
	struct ksm_procstat system;
	struct ksm_sample s;
	struct ksm_procs one;
	struct ksm_areas areas;
	struct ksm_lines l;
	int pid = 100, pid_err = 0;
	struct ksm_scan_opts so = scan_all;
	struct ksm_detail_input d = {
		.pid = 100, .procs = &one, .areas = &areas, .system = &system,
		.page_size = PAGE, .utf8 = true, .width = 80,
	};
	bool stat = false, area = false, evil = false;

	so.pids = &pid;
	so.npids = 1;
	so.pid_err = &pid_err;
	tu_write(fx->root, "proc/100/smaps",
		 "7f0000000000-7f0080000000 rw-p 00000000 00:00 0 \n"
		 "Size:            2097152 kB\nRss:             1900000 kB\n"
		 "KSM:                1800 kB\n"
		 "VmFlags: rd wr mr mw me ac sd hg mg \n"
		 "7f0090000000-7f0090010000 rw-s 00000000 00:2a 42   /dev/shm/\x1b[31mevil\n"
		 "Size:                 64 kB\nRss:                  64 kB\n"
		 "KSM:                   0 kB\nVmFlags: rd wr sh mr mw me ms sd mg \n"
		 "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0   [stack]\n"
		 "Size:                132 kB\nRss:                 132 kB\n"
		 "KSM:                   0 kB\nVmFlags: rd wr mr mw me gd ac \n");
	assert_int_equal(ksm_procs_scan(fx->r, &so, &one), 0);
	assert_int_equal(one.n, 1);
	assert_int_equal(ksm_proc_areas(fx->r, 100, &areas), 0);
	sample_at(&s, 100);
	ksm_system_stat(&s, &system);
	assert_int_equal(ksm_detail_compute(&d, &l), 0);
	assert_string_equal(ksm_line(&l, 0), "process 100  qemu-system-x86  user root (uid 0)");
	assert_string_equal(ksm_line(&l, 1), "unit     machine-qemu\\x2d1\\x2dweb.scope");
	assert_string_equal(ksm_line(&l, 2), "VM       web");
	/* a path longer than the line is wrapped, not cut */
	assert_string_equal(ksm_line(&l, 3), "cgroup   /machine.slice/machine-qemu\\x2d1\\x2dweb.scope/libvirt/emulator");
	for (size_t i = 0; i < l.n; i++) {
		const char *t = ksm_line(&l, i);

		assert_true(ksm_text_width(t, true) <= 80);
		assert_null(strchr(t, '\x1b'));
		stat |= !strcmp(t, "  ksm_merging_pages            450  1.8M");
		area |= strstr(t, "7f0000000000-7f0080000000 rw-p      2G    1.8G    1.8M [anon]") != NULL;
		evil |= strstr(t, "/dev/shm/\\x1b[31mevil") != NULL;
	}
	assert_true(stat);
	assert_true(area);
	assert_true(evil);
	assert_true(strstr(ksm_line(&l, 4), "verdict  ok: 1.3 rmap items per merged page") == ksm_line(&l, 4));
	ksm_lines_free(&l);
	ksm_areas_free(&areas);
	ksm_procs_free(&one);
	tu_rmtree_rel(fx->root, "proc/100/smaps");

	/* gone: said in one line */
	d.procs = NULL;
	d.err = -ESRCH;
	assert_int_equal(ksm_detail_compute(&d, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(ksm_line(&l, 0), "process 100 has exited");
	ksm_lines_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ksmd_stopped),
		cmocka_unit_test(test_unseen),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_findings_wrap),
		cmocka_unit_test(test_keybar),
		cmocka_unit_test(test_detail),
		cmocka_unit_test(test_sparkline),
		cmocka_unit_test(test_history_ring),
		cmocka_unit_test(test_full_scan_time),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_ksmd_cpu),
		cmocka_unit_test(test_findings_fit),
		cmocka_unit_test(test_sorting),
		cmocka_unit_test(test_sort_keys),
		cmocka_unit_test(test_grouping),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_scroll_clamp),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_ascii_frame),
		cmocka_unit_test(test_live_scan),
		cmocka_unit_test(test_live_unreadable),
	};

	/* widths of UTF-8 text come from the locale, as on a terminal */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "en_US.UTF-8");
	return cmocka_run_group_tests(tests, setup, teardown);
}
