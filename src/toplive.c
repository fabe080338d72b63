// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl top's live state: one refresh (the counters, ksmd's CPU time
 * and the processes, with the incremental scan of lib/livescan.h), the
 * frame input for lib/topframe.c, and the admin keys' actions.
 *
 * The admin keys write through the one change path (lib/change.c), as
 * `set` and `unmerge-all` do, under the same writers' lock, which a
 * screen never waits for: when another ksmctl holds it, the key says so
 * and writes nothing.  What the user confirmed must still hold when the
 * lock is taken.
 */
#include "toplive.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/ksmd.h"
#include "lib/textfit.h"
#include "lib/units.h"
#include "report.h"

/*
 * Every process without KSM use is read again within this time, and new
 * processes are looked for this often: with 10,000 processes, reading
 * them all costs 120 ms of CPU and listing /proc 12 ms; so at the
 * default delay a refresh costs about 1/30 of the first plus 1/5 of the
 * second (see bench/top-bench.sh).
 */
#define RECHECK_MS 60000
#define RELIST_MS 10000

/* ---- one refresh ------------------------------------------------------ */

static char refresh_error[512];

const char *top_error(void)
{
	return refresh_error;
}

static unsigned int turns(const struct top *t)
{
	long d = t->o.delay_ms > 0 ? t->o.delay_ms : 1;

	return (unsigned int)((RECHECK_MS + d - 1) / d);
}

static int scan(struct top *t, const struct ksm_sample *s, struct ksm_procs *out)
{
	struct ksm_scan_opts so = {
		.page_size = s->page_size,
		/* every name, so that regrouping needs no new scan */
		.need = KSM_NEED_COMM | KSM_NEED_UID | KSM_NEED_CGROUP | KSM_NEED_VM,
	};
	struct timespec now;
	bool list;
	int err;

	if (t->o.npids) {
		so.pids = t->o.pids;
		so.npids = t->o.npids;
		err = ksm_procs_scan(t->ctx->root, &so, out);
		t->procs_total = t->o.npids;
		return err;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	list = t->relist || !t->refreshes ||
	       ksm_elapsed_ns(&t->listed_at, &now) >= RELIST_MS * 1000000LL;
	/* asked for (space): every process, now */
	err = ksm_live_scan(t->ctx->root, &t->live, &so, t->relist ? 1 : turns(t),
			    list, out);
	if (!err && list) {
		t->listed_at = now;
		t->relist = false;
	}
	t->procs_total = ksm_live_count(&t->live);
	return err;
}

/* Read the process shown in detail: as `ps -p PID`, with every name. */
static int detail_read(struct top *t)
{
	struct top_detail *d = &t->detail;
	struct ksm_scan_opts so = {
		.page_size = t->sample[t->cur].page_size,
		.need = KSM_NEED_COMM | KSM_NEED_UID | KSM_NEED_CGROUP | KSM_NEED_VM,
		.pids = &d->pid,
		.npids = 1,
		.pid_err = &d->err,
	};
	int err;

	if (d->have_procs)
		ksm_procs_free(&d->procs);
	ksm_areas_free(&d->areas);
	d->have_procs = false;
	d->err = 0;
	err = ksm_procs_scan(t->ctx->root, &so, &d->procs);
	if (err == -ENOMEM)
		return err;
	if (err) {
		d->err = err;
		return 0;
	}
	d->have_procs = true;
	if (!d->err && d->procs.n != 1)
		d->err = -ESRCH;
	d->areas_err = d->err ? 0 : ksm_proc_areas(t->ctx->root, d->pid, &d->areas);
	return d->areas_err == -ENOMEM ? -ENOMEM : 0;
}

int top_detail_open(struct top *t, int pid)
{
	top_detail_close(t);
	t->detail.pid = pid;
	return detail_read(t);
}

void top_detail_close(struct top *t)
{
	struct top_detail *d = &t->detail;

	if (d->have_procs)
		ksm_procs_free(&d->procs);
	ksm_areas_free(&d->areas);
	memset(d, 0, sizeof(*d));
}

void top_detail_input(const struct top *t, bool utf8, int width,
		      struct ksm_procstat *system, struct ksm_detail_input *in)
{
	const struct top_detail *d = &t->detail;

	ksm_system_stat(&t->sample[t->cur], system);
	*in = (struct ksm_detail_input){
		.pid = d->pid,
		.procs = d->have_procs ? &d->procs : NULL,
		.err = d->err,
		.areas = d->err ? NULL : &d->areas,
		.areas_err = d->areas_err,
		.system = system,
		.page_size = t->sample[t->cur].page_size,
		.utf8 = utf8,
		.width = width,
	};
}

int top_refresh(struct top *t)
{
	int next = t->refreshes ? !t->cur : 0;
	struct ksm_sample *s = &t->sample[next];
	struct ksm_procs procs;
	bool precise;
	int err, status;

	if (!t->refreshes) {
		/* says "no KSM" as every command does, exit 3 */
		status = ksm_ctx_sample(t->ctx, s);
		if (status) {
			snprintf(refresh_error, sizeof(refresh_error),
				 "%s: cannot read", KSM_SYSFS_DIR);
			return status;
		}
	} else {
		err = ksm_sample_read(t->ctx->root, s);
		if (err) {
			snprintf(refresh_error, sizeof(refresh_error),
				 "%s: cannot read: %s", KSM_SYSFS_DIR, strerror(-err));
			return err == -ENOENT ? EXIT_UNAVAILABLE : EXIT_FAIL;
		}
	}
	t->ksmd_ok[next] = t->ksmd > 0 &&
			   !ksm_task_cpu_ns(t->ctx->root, t->ksmd, &t->ksmd_ns[next],
					    &precise);
	err = scan(t, s, &procs);
	if (err) {
		snprintf(refresh_error, sizeof(refresh_error),
			 "proc: cannot read: %s", strerror(-err));
		if (!t->refreshes)
			ksm_err("%s", refresh_error);
		return EXIT_FAIL;
	}
	if (t->have_procs)
		ksm_procs_free(&t->procs);
	t->procs = procs;
	t->have_procs = true;
	ksm_history_push(&t->hist, t->refreshes ? &t->sample[t->cur] : NULL, s);
	t->have_prev = t->refreshes > 0;
	t->cur = next;
	t->refreshes++;
	if (t->detail.pid && detail_read(t)) {
		snprintf(refresh_error, sizeof(refresh_error),
			 "proc/%d: cannot read: %s", t->detail.pid, strerror(ENOMEM));
		return EXIT_FAIL;
	}
	return 0;
}

void top_frame_input(const struct top *t, bool utf8, int width, int height,
		     struct ksm_frame_input *in)
{
	int prev = !t->cur;

	memset(in, 0, sizeof(*in));
	in->prev = t->have_prev ? &t->sample[prev] : NULL;
	in->cur = &t->sample[t->cur];
	in->procs = t->have_procs ? &t->procs : NULL;
	in->procs_total = t->procs_total;
	in->only_pids = t->o.npids > 0;
	in->ksmd_known = t->have_prev && t->ksmd_ok[prev] && t->ksmd_ok[t->cur];
	in->ksmd_prev_ns = t->ksmd_ns[prev];
	in->ksmd_cur_ns = t->ksmd_ns[t->cur];
	in->hist = &t->hist;
	in->view = &t->view;
	in->utf8 = utf8;
	in->width = width;
	in->height = height;
}

/* ---- the admin keys --------------------------------------------------- */

/* The one value an action writes: run, or pages_to_scan. */
static enum ksm_knob_id action_knob(enum top_action act)
{
	return act == TOP_ACT_RUN ? KSM_RUN : KSM_PAGES_TO_SCAN;
}

static void value_of(unsigned long long v, struct ksm_value *out)
{
	memset(out, 0, sizeof(*out));
	out->u = v;
	out->s = (long long)v;
}

/* The request of an action: one value, or the unmerge of unmerge-all. */
static void action_request(const struct top *t, const struct top_pending *p,
			   struct ksm_txn *txn, struct ksm_change_req *req)
{
	memset(req, 0, sizeof(*req));
	ksm_txn_init(txn, 0);
	txn->dirs = ksm_sample_dirs(&t->sample[t->cur]);
	if (p->act == TOP_ACT_UNMERGE)
		req->unmerge = KSM_UNMERGE_ALL;
	else
		ksm_txn_add_value(txn, action_knob(p->act), &p->to);
	req->txn = txn;
	/* a screen never waits: busy is said, and nothing written */
	req->lock = KSM_LOCK_FAIL;
}

/* The value an action would write, from the state on screen. */
static void action_value(const struct ksm_sample *s, struct top_pending *p)
{
	const struct ksm_knob *k = &ksm_knobs[KSM_PAGES_TO_SCAN];
	unsigned long long from, to, step;

	if (p->act == TOP_ACT_UNMERGE) {
		p->from = s->v[KSM_RUN];
		value_of(2, &p->to);
		return;
	}
	p->from = s->v[action_knob(p->act)];
	from = ksm_u(s, action_knob(p->act));
	if (p->act == TOP_ACT_RUN) {
		value_of(from == 1 ? 0 : 1, &p->to);
		return;
	}
	/* a quarter up, a fifth down: + then - comes back where it was */
	step = (p->act == TOP_ACT_PAGES_UP ? from / 4 : from / 5);
	if (!step)
		step = 1;
	if (p->act == TOP_ACT_PAGES_UP)
		to = from + step > k->kernel_max ? k->kernel_max : from + step;
	else
		to = from > step ? from - step : 0;
	value_of(to, &p->to);
}

static void ask_question(const struct ksm_sample *s, const struct ksm_change_result *r,
			 struct top_pending *p)
{
	unsigned long long sleep = ksm_u(s, KSM_SLEEP_MILLISECS);
	char need[32], avail[32];

	switch (p->act) {
	case TOP_ACT_RUN:
		if (p->to.u == 0)
			snprintf(p->question, sizeof(p->question),
				 "Stop ksmd (run 1 -> 0)? Merged pages stay merged.  [y/N]");
		else
			snprintf(p->question, sizeof(p->question),
				 "Start ksmd (run %llu -> 1)?  [y/N]", p->from.u);
		break;
	case TOP_ACT_PAGES_UP:
	case TOP_ACT_PAGES_DOWN:
		if (sleep)
			snprintf(p->question, sizeof(p->question),
				 "pages_to_scan %llu -> %llu (at most %.0f pages/s)?  [y/N]",
				 p->from.u, p->to.u, (double)p->to.u * 1000 / (double)sleep);
		else
			snprintf(p->question, sizeof(p->question),
				 "pages_to_scan %llu -> %llu?  [y/N]", p->from.u, p->to.u);
		break;
	case TOP_ACT_UNMERGE:
		ksm_format_size(r->estimate.need_bytes, need, sizeof(need));
		ksm_format_size(r->estimate.available_bytes, avail, sizeof(avail));
		snprintf(p->question, sizeof(p->question),
			 "Unmerge every KSM page (run 2)? It needs about %s, MemAvailable is %s; ksmd stays stopped.  [y/N]",
			 need, avail);
		break;
	}
}

int top_action_prepare(struct top *t, enum top_action act,
		       struct top_pending *p, char *msg, size_t size)
{
	const struct ksm_sample *s = &t->sample[t->cur];
	struct ksm_change_result *r;
	struct ksm_change_req req;
	struct ksm_txn txn;
	int err;

	memset(p, 0, sizeof(*p));
	p->act = act;
	msg[0] = '\0';
	if (act != TOP_ACT_UNMERGE && !ksm_has(s, action_knob(act))) {
		snprintf(msg, size, "%s: cannot be read", ksm_knobs[action_knob(act)].name);
		return -ENOENT;
	}
	action_value(s, p);
	r = malloc(sizeof(*r));
	if (!r) {
		snprintf(msg, size, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	/* checked as `set --dry-run` would, before asking */
	action_request(t, p, &txn, &req);
	req.dry_run = true;
	err = ksm_change(t->ctx->root, &req, r);
	if (!err && r->unmerge_due && !r->estimate.fits) {
		r->end = KSM_CHANGE_NO_ROOM;
		err = -ENOMEM;
	}
	if (err)
		ksm_report_line(&req, r, msg, size);
	else
		ask_question(s, r, p);
	free(r);
	return err;
}

int top_action_apply(struct top *t, const struct top_pending *p,
		     ksm_unmerge_progress_fn progress, void *data,
		     volatile sig_atomic_t *stop, char *msg, size_t size)
{
	struct ksm_change_hooks hooks = { .progress = progress, .data = data };
	struct ksm_expect confirmed = { action_knob(p->act), p->from };
	struct ksm_change_result *r = malloc(sizeof(*r));
	struct ksm_change_req req;
	struct ksm_txn txn;
	int err;

	if (!r) {
		snprintf(msg, size, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	action_request(t, p, &txn, &req);
	req.hooks = &hooks;
	req.stop = stop;
	/* what the user confirmed must still hold: else nothing is written */
	if (p->act != TOP_ACT_UNMERGE) {
		req.expect = &confirmed;
		req.nexpect = 1;
	}
	err = ksm_change(t->ctx->root, &req, r);
	ksm_report_line(&req, r, msg, size);
	free(r);
	return err;
}

/* ---- the state ---------------------------------------------------------- */

static void find_ksmd(struct top *t)
{
	unsigned int dirs = ksm_root_knob_dirs(t->ctx->root);

	t->ksmd = -ENOENT;
	/* ksmd lives as long as the kernel: looked for once */
	if (dirs)
		t->ksmd = ksm_find_kthread(t->ctx->root,
					   dirs == KNOB_IN_UKSM ? "uksmd" : "ksmd");
}

void top_live_init(struct top *t, struct ksm_ctx *ctx)
{
	t->ctx = ctx;
	ksm_live_init(&t->live);
	ksm_history_init(&t->hist);
	find_ksmd(t);
}

void top_live_free(struct top *t)
{
	top_detail_close(t);
	if (t->have_procs)
		ksm_procs_free(&t->procs);
	ksm_live_free(&t->live);
}

bool top_utf8_locale(void)
{
	return ksm_locale_utf8();
}
