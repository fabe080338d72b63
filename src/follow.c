// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl governor --follow: the pacer's decision, run by the daemon loop
 * (src/daemon.c).  Every interval: read ksmd's CPU time and the
 * counters, let the pacer decide, and write pages_to_scan (and
 * sleep_millisecs when the target changes) through the one change path.
 * The knobs are ours while we follow: if someone else changes one, we
 * stop and say so rather than fight them.  At exit the daemon loop puts
 * back the knobs we changed.
 */
#include "follow.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "lib/ksmd.h"
#include "lib/pacer.h"
#include "lib/parse.h"

/* The knobs the follower writes. */
static const enum ksm_knob_id follow_ids[] = {
	KSM_ADVISOR_MODE, KSM_SLEEP_MILLISECS, KSM_PAGES_TO_SCAN,
};
#define FOLLOW_IDS (sizeof(follow_ids) / sizeof(follow_ids[0]))

struct follower {
	const struct gov_follow_args *fa;
	struct ksm_pacer pacer;
	struct ksm_owned owned;
	struct ksm_pace_reading prev;
	pid_t ksmd;
	bool has_advisor;
	bool started;
};

/* ---- readings ------------------------------------------------------------ */

static int take_reading(struct ksm_daemon *d, struct ksm_sample *s,
			struct ksm_pace_reading *r)
{
	struct follower *f = d->self;
	unsigned long long cpu_ns;
	bool precise;
	int err;

	err = ksm_task_cpu_ns(d->ctx->root, f->ksmd, &cpu_ns, &precise);
	if (!err)
		err = ksm_sample_read(d->ctx->root, s);
	if (err) {
		ksm_daemon_log(d, LOG_ERR, "governor: --follow: cannot read ksmd's figures: %s",
			       strerror(-err));
		return err;
	}
	memset(r, 0, sizeof(*r));
	ksm_pace_reading_fill(r, s);
	r->cpu_ns = cpu_ns;
	r->cow = ksm_read_cow_ksm(d->ctx->root);
	return 0;
}

/* ---- writes -------------------------------------------------------------- */

/* A number for a knob, or advisor_mode "none" (a MODE value is an index). */
static void set_value(struct ksm_value *v, enum ksm_knob_id id,
		      unsigned long long u)
{
	char canonical[64];
	struct ksm_refusal why;

	memset(v, 0, sizeof(*v));
	if (id == KSM_ADVISOR_MODE)
		ksm_knob_parse_input(&ksm_knobs[id], "none", v, canonical,
				     sizeof(canonical), &why);
	else
		v->u = u;
}

/* Put the pacer's pages and sleep (and advisor_mode none) in place. */
static int write_pace(struct ksm_daemon *d)
{
	struct follower *f = d->self;
	struct ksm_change_req req = { .lock = KSM_LOCK_WAIT };
	struct ksm_expect expect[FOLLOW_IDS];
	struct ksm_change_result *res;
	struct ksm_value v;
	struct ksm_txn t;
	int err;

	ksm_txn_init(&t, 0);
	for (size_t i = 0; i < FOLLOW_IDS; i++) {
		enum ksm_knob_id id = follow_ids[i];

		if (id == KSM_ADVISOR_MODE && !f->has_advisor)
			continue;
		set_value(&v, id, id == KSM_SLEEP_MILLISECS ? f->pacer.sleep_ms :
				  f->pacer.pages);
		ksm_txn_add_value(&t, id, &v);
		/* ours since we wrote it: nobody else's meanwhile */
		if (f->owned.owned[id] && f->owned.wanted[id])
			expect[req.nexpect++] = (struct ksm_expect){ id, f->owned.desired[id] };
	}
	req.txn = &t;
	req.expect = expect;
	res = malloc(sizeof(*res));
	if (!res) {
		ksm_daemon_log(d, LOG_ERR, "governor: --follow: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	err = ksm_daemon_change(d, &req, res);
	if (res->end == KSM_CHANGE_MOVED)
		memset(f->owned.owned, 0, sizeof(f->owned.owned));
	free(res);
	return err;
}

/* ---- what it says -------------------------------------------------------- */

static const char *activity_name(const struct follower *f, bool running)
{
	if (!running)
		return "waiting";
	return f->pacer.act.idle ? "idle" : "working";
}

static void say_activity(struct ksm_daemon *d, bool running)
{
	struct follower *f = d->self;

	if (!running)
		ksm_daemon_log(d, LOG_INFO, "governor: ksmd is stopped (run is not 1): waiting for it to run");
	else if (f->pacer.act.idle)
		ksm_daemon_log(d, LOG_INFO, "governor: idle: nothing merged in %d full scans and %.0f s: ksmd at %.1f%% of a CPU (pages_to_scan %llu, sleep_millisecs %llu)",
			       KSM_PACE_IDLE_SCANS, KSM_PACE_IDLE_SECONDS,
			       100 * ksm_pacer_target(&f->pacer),
			       f->pacer.pages, f->pacer.sleep_ms);
	else
		ksm_daemon_log(d, LOG_INFO, "governor: working: ksmd at %.0f%% of a CPU (pages_to_scan %llu, sleep_millisecs %llu)",
			       100 * ksm_pacer_target(&f->pacer), f->pacer.pages,
			       f->pacer.sleep_ms);
	f->prev.running = running;
	ksm_daemon_update_state(d);
}

/* The pid file's state lines, which `ksmctl governor` shows. */
static void follow_state(const struct ksm_daemon *d, char *buf, size_t size)
{
	const struct follower *f = d->self;

	snprintf(buf, size, "BUDGET=%u\nPRESET=%s\nACTIVITY=%s\nMEASURED=%.2f\n",
		 f->fa->budget, f->fa->preset ? f->fa->preset : "",
		 activity_name(f, f->prev.running),
		 f->pacer.measured < 0 ? -1.0 : 100 * f->pacer.measured);
}

static void already_running(const struct ksm_daemon *d, pid_t pid)
{
	ksm_err("governor: --follow: another 'ksmctl governor --follow' runs (pid %ld, %s)",
		(long)pid, d->pidfile.shown);
}

/* ---- the steps ------------------------------------------------------------ */

static enum ksm_daemon_next stop_failed(struct ksm_daemon *d)
{
	d->status = EXIT_FAIL;
	return KSM_DAEMON_STOP;
}

static enum ksm_daemon_next start(struct ksm_daemon *d)
{
	struct follower *f = d->self;
	const struct gov_follow_args *fa = f->fa;
	struct ksm_sample s;

	f->ksmd = ksm_find_kthread(d->ctx->root, "ksmd");
	if (f->ksmd < 0) {
		ksm_daemon_log(d, LOG_ERR, "governor: --follow: cannot find the ksmd thread in /proc: %s",
			       strerror(-f->ksmd));
		return stop_failed(d);
	}
	if (take_reading(d, &s, &f->prev))
		return stop_failed(d);
	f->has_advisor = ksm_has(&s, KSM_ADVISOR_MODE);
	ksm_owned_init(&f->owned, &s);
	ksm_pacer_init(&f->pacer, fa->budget / 100.0, fa->cost_ns);
	if (write_pace(d))
		return stop_failed(d);
	if (fa->preset)
		ksm_daemon_log(d, LOG_INFO, "governor: following %s (%u%% of one CPU while ksmd merges, %.1f%% when it has nothing to merge), every %.1f s; stop with SIGTERM or Ctrl-C",
			       fa->preset, fa->budget, 100 * f->pacer.idle_share,
			       fa->interval_ms / 1000.0);
	else
		ksm_daemon_log(d, LOG_INFO, "governor: following %u%% of one CPU while ksmd merges (%.1f%% when it has nothing to merge), every %.1f s; stop with SIGTERM or Ctrl-C",
			       fa->budget, 100 * f->pacer.idle_share,
			       fa->interval_ms / 1000.0);
	f->started = true;
	say_activity(d, f->prev.running);
	return KSM_DAEMON_GO_ON;
}

/* One interval: measure, decide, write when the pace changes. */
static enum ksm_daemon_next step(struct ksm_daemon *d, int sig)
{
	struct follower *f = d->self;
	struct ksm_pace_reading cur;
	struct ksm_sample s;
	bool was_idle = f->pacer.act.idle;

	(void)sig;
	if (!f->started)
		return start(d);
	if (take_reading(d, &s, &cur) || ksm_daemon_moved(d, &s))
		return stop_failed(d);
	if (f->prev.running != cur.running) {
		f->prev = cur;
		say_activity(d, cur.running);
		return KSM_DAEMON_GO_ON;
	}
	/* a measurement spans a few batches: keep prev until it can */
	if (!ksm_pacer_ready(&f->pacer, &f->prev, &cur))
		return KSM_DAEMON_GO_ON;
	if (ksm_pacer_step(&f->pacer, &f->prev, &cur) && write_pace(d))
		return stop_failed(d);
	f->prev = cur;
	if (was_idle != f->pacer.act.idle)
		say_activity(d, cur.running);
	return KSM_DAEMON_GO_ON;
}

static long interval_ms(const struct ksm_daemon *d)
{
	const struct follower *f = d->self;

	return f->fa->interval_ms;
}

static const struct ksm_daemon_ops follow_ops = {
	.name = "governor: --follow",
	.owner = "governor",
	.prefix = "governor: --follow: ",
	.step = step,
	.interval_ms = interval_ms,
	.already_running = already_running,
	.state = follow_state,
};

int gov_follow(struct ksm_ctx *ctx, const struct gov_follow_args *fa)
{
	struct follower f = { .fa = fa };
	struct ksm_daemon d;

	ksm_daemon_init(&d, ctx, &follow_ops, &f);
	ksm_path_default(&d.pidfile, ctx, GOV_FOLLOW_PIDFILE);
	d.owned = &f.owned;
	d.quiet = fa->quiet;
	return ksm_daemon_run(&d);
}

/* ---- what `ksmctl governor` reads of a running follower -------------------- */

static void parse_state_line(const char *line, struct gov_follow_state *st)
{
	unsigned long long u;
	const char *v;

	if ((v = strchr(line, '=')) == NULL)
		return;
	v++;
	if (!strncmp(line, "BUDGET=", 7) && !ksm_parse_ull(v, &u) && u <= 100)
		st->budget = (unsigned int)u;
	else if (!strncmp(line, "PRESET=", 7))
		snprintf(st->preset, sizeof(st->preset), "%s", v);
	else if (!strncmp(line, "ACTIVITY=", 9))
		snprintf(st->activity, sizeof(st->activity), "%s", v);
	else if (!strncmp(line, "MEASURED=", 9))
		st->measured = strtod(v, NULL);
}

int gov_follow_running(const struct ksm_ctx *ctx, struct gov_follow_state *st)
{
	char state[1024], *line, *save = NULL;
	struct ksm_path p;
	int err;

	memset(st, 0, sizeof(*st));
	st->measured = -1;
	ksm_path_default(&p, ctx, GOV_FOLLOW_PIDFILE);
	err = ksm_pidfile_running(&p, &st->pid, state, sizeof(state));
	if (err)
		return -ENOENT;
	for (line = strtok_r(state, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		parse_state_line(line, st);
	return 0;
}
