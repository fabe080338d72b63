// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl governor --follow: the pacer's loop.  Every interval: read
 * ksmd's CPU time and the counters, let the pacer decide, and write
 * pages_to_scan (and sleep_millisecs when the target changes) through
 * the transaction code.  The knobs are ours while we follow: if someone
 * else changes one, we stop and say so rather than fight them.  On
 * SIGTERM, SIGINT or SIGHUP the knobs we changed go back to what they
 * were.
 */
#include "govfollow.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/governor.h"
#include "../lib/ksmd.h"
#include "../lib/lock.h"
#include "../lib/pacer.h"
#include "../lib/parse.h"
#include "../lib/txn.h"
#include "../report.h"
#include "show.h"

/* The knobs the follower writes, and restores on exit. */
enum { F_ADVISOR, F_SLEEP, F_PAGES, F_COUNT };
static const enum ksm_knob_id follow_ids[F_COUNT] = {
	[F_ADVISOR] = KSM_ADVISOR_MODE,
	[F_SLEEP] = KSM_SLEEP_MILLISECS,
	[F_PAGES] = KSM_PAGES_TO_SCAN,
};

struct follower {
	struct ksm_ctx *ctx;
	const struct gov_follow_args *fa;
	struct ksm_pacer pacer;
	pid_t ksmd;
	int pid_fd;
	bool has_advisor;
	/* the values at start, and what we wrote last (as the kernel reads) */
	struct ksm_value start[F_COUNT], ours[F_COUNT];
	bool written[F_COUNT];
};

/* ---- readings ------------------------------------------------------------ */

static int take_reading(struct follower *f, struct ksm_sample *s,
			struct ksm_pace_reading *r)
{
	unsigned long long cpu_ns;
	bool precise;
	int err;

	err = ksm_task_cpu_ns(f->ctx->root, f->ksmd, &cpu_ns, &precise);
	if (!err)
		err = ksm_sample_read(f->ctx->root, s);
	if (err)
		return err;
	memset(r, 0, sizeof(*r));
	ksm_pace_reading_fill(r, s);
	r->cpu_ns = cpu_ns;
	r->cow = ksm_read_cow_ksm(f->ctx->root);
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

/* Write the wanted values (want[i] for written-or-not i) under the lock. */
static int write_knobs(struct follower *f, const struct ksm_value *want,
		       const bool *use)
{
	struct ksm_lock lock = { -1 };
	const struct ksm_knob *culprit = NULL;
	struct ksm_refusal why = { "" };
	struct ksm_sample s;
	struct ksm_txn t;
	int err;

	err = ksm_lock_take(f->ctx->root, &lock, true, NULL);
	if (err) {
		ksm_err("governor: --follow: cannot take the lock: %s", strerror(-err));
		return err;
	}
	err = ksm_sample_read(f->ctx->root, &s);
	ksm_txn_init(&t, 0);
	for (int i = 0; !err && i < F_COUNT; i++)
		if (use[i])
			err = ksm_txn_add_value(&t, follow_ids[i], &want[i]);
	if (!err)
		err = ksm_txn_plan(&t, f->ctx->root, &s, &why, &culprit);
	if (err && why.why[0])
		ksm_err("governor: --follow: %s: %s",
			culprit ? culprit->name : "knobs", why.why);
	else if (err)
		ksm_err("governor: --follow: cannot plan the writes: %s",
			strerror(-err));
	if (!err) {
		err = ksm_txn_apply(&t, f->ctx->root);
		if (err)
			ksm_report_txn_failure(&t);
	}
	ksm_lock_release(&lock);
	return err;
}

/* Put the pacer's pages and sleep (and advisor_mode none) in place. */
static int write_pace(struct follower *f)
{
	struct ksm_value want[F_COUNT];
	bool use[F_COUNT] = { false };
	int err;

	set_value(&want[F_ADVISOR], KSM_ADVISOR_MODE, 0);
	set_value(&want[F_SLEEP], KSM_SLEEP_MILLISECS, f->pacer.sleep_ms);
	set_value(&want[F_PAGES], KSM_PAGES_TO_SCAN, f->pacer.pages);
	use[F_ADVISOR] = f->has_advisor;
	use[F_SLEEP] = use[F_PAGES] = true;
	err = write_knobs(f, want, use);
	if (err)
		return err;
	for (int i = 0; i < F_COUNT; i++)
		if (use[i]) {
			f->ours[i] = want[i];
			f->written[i] = true;
		}
	return 0;
}

static bool same_value(enum ksm_knob_id id, const struct ksm_value *a,
		       const struct ksm_value *b)
{
	return ksm_value_equal(&ksm_knobs[id], a, b);
}

/* A knob we wrote that now reads otherwise, or -1. */
static int changed_by_others(const struct follower *f, const struct ksm_sample *s)
{
	for (int i = 0; i < F_COUNT; i++)
		if (f->written[i] && ksm_has(s, follow_ids[i]) &&
		    !same_value(follow_ids[i], &s->v[follow_ids[i]], &f->ours[i]))
			return i;
	return -1;
}

/*
 * Put back what we changed and still holds our value.  advisor_mode
 * first, alone: switching it resets pages_to_scan, and an advisor then
 * owns pages_to_scan, so ours is left to it.
 */
static void restore(struct follower *f)
{
	struct ksm_value want[F_COUNT];
	bool use[F_COUNT] = { false };
	struct ksm_sample s;

	if (ksm_sample_read(f->ctx->root, &s))
		return;
	for (int i = 0; i < F_COUNT; i++) {
		enum ksm_knob_id id = follow_ids[i];

		want[i] = f->start[i];
		use[i] = f->written[i] && ksm_has(&s, id) &&
			 same_value(id, &s.v[id], &f->ours[i]) &&
			 !same_value(id, &f->start[i], &f->ours[i]);
	}
	if (use[F_ADVISOR])
		use[F_PAGES] = false;
	if (!use[F_ADVISOR] && !use[F_SLEEP] && !use[F_PAGES])
		return;
	if (write_knobs(f, want, use))
		ksm_err("governor: --follow: the knobs could not all be put back: see above");
	else if (!f->fa->quiet)
		printf("governor: stopped following; pages_to_scan, sleep_millisecs%s put back\n",
		       f->has_advisor ? " and advisor_mode" : "");
}

/* ---- the pid file ---------------------------------------------------------- */

static int open_pidfile(struct follower *f)
{
	const int flags = O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW;
	int dirfd = ksm_root_fd(f->ctx->root);
	struct gov_follow_state other;

	f->pid_fd = openat(dirfd, GOV_FOLLOW_PIDFILE, flags, 0644);
	if (f->pid_fd < 0 && errno == ENOENT &&
	    (mkdirat(dirfd, "run", 0755) == 0 || errno == EEXIST))
		f->pid_fd = openat(dirfd, GOV_FOLLOW_PIDFILE, flags, 0644);
	if (f->pid_fd < 0) {
		ksm_err("/%s: cannot create: %s%s", GOV_FOLLOW_PIDFILE,
			strerror(errno), ksm_write_hint(-errno));
		return -1;
	}
	if (flock(f->pid_fd, LOCK_EX | LOCK_NB) < 0) {
		int pid = gov_follow_running(f->ctx->root, &other) ? 0 : other.pid;

		ksm_err("governor: --follow: another 'ksmctl governor --follow' runs (pid %d, /%s)",
			pid, GOV_FOLLOW_PIDFILE);
		close(f->pid_fd);
		f->pid_fd = -1;
		return -1;
	}
	return 0;
}

/* The pid, then what `ksmctl governor` shows of us. */
static void update_pidfile(const struct follower *f, const char *activity)
{
	char buf[256];
	int len;

	len = snprintf(buf, sizeof(buf),
		       "%ld\nBUDGET=%u\nPRESET=%s\nACTIVITY=%s\nMEASURED=%.2f\n",
		       (long)getpid(), f->fa->budget,
		       f->fa->preset ? f->fa->preset : "", activity,
		       f->pacer.measured < 0 ? -1.0 : 100 * f->pacer.measured);
	if (ftruncate(f->pid_fd, 0) < 0 || pwrite(f->pid_fd, buf, (size_t)len, 0) != len)
		ksm_warn("/%s: cannot write: %s", GOV_FOLLOW_PIDFILE, strerror(errno));
}

static void close_pidfile(struct follower *f)
{
	if (f->pid_fd < 0)
		return;
	unlinkat(ksm_root_fd(f->ctx->root), GOV_FOLLOW_PIDFILE, 0);
	close(f->pid_fd);
	f->pid_fd = -1;
}

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
		snprintf(st->preset, sizeof(st->preset), "%.*s",
			 (int)strcspn(v, "\n"), v);
	else if (!strncmp(line, "ACTIVITY=", 9))
		snprintf(st->activity, sizeof(st->activity), "%.*s",
			 (int)strcspn(v, "\n"), v);
	else if (!strncmp(line, "MEASURED=", 9))
		st->measured = strtod(v, NULL);
}

int gov_follow_running(const struct ksm_root *root, struct gov_follow_state *st)
{
	char buf[256], *line, *save = NULL;
	int fd, locked;
	ssize_t n;

	memset(st, 0, sizeof(*st));
	st->measured = -1;
	fd = openat(ksm_root_fd(root), GOV_FOLLOW_PIDFILE,
		    O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -ENOENT;
	/* held by a live follower: a stale file is not locked */
	locked = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	n = locked ? pread(fd, buf, sizeof(buf) - 1, 0) : -1;
	close(fd);
	if (n <= 0)
		return -ENOENT;
	buf[n] = '\0';
	st->pid = (pid_t)strtol(buf, NULL, 10);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		parse_state_line(line, st);
	return 0;
}

/* ---- the loop ------------------------------------------------------------------ */

static const char *activity_name(const struct follower *f, bool running)
{
	if (!running)
		return "waiting";
	return f->pacer.act.idle ? "idle" : "working";
}

static void say_activity(const struct follower *f, bool running)
{
	if (f->fa->quiet)
		return;
	if (!running)
		printf("governor: ksmd is stopped (run is not 1): waiting for it to run\n");
	else if (f->pacer.act.idle)
		printf("governor: idle: nothing merged in %d full scans and %.0f s: ksmd at %.1f%% of a CPU (pages_to_scan %llu, sleep_millisecs %llu)\n",
		       KSM_PACE_IDLE_SCANS, KSM_PACE_IDLE_SECONDS,
		       100 * ksm_pacer_target(&f->pacer),
		       f->pacer.pages, f->pacer.sleep_ms);
	else
		printf("governor: working: ksmd at %.0f%% of a CPU (pages_to_scan %llu, sleep_millisecs %llu)\n",
		       100 * ksm_pacer_target(&f->pacer), f->pacer.pages,
		       f->pacer.sleep_ms);
	fflush(stdout);
}

/* One interval; 0 to go on, else the exit status. */
static int follow_step(struct follower *f, struct ksm_pace_reading *prev)
{
	struct ksm_pace_reading cur;
	struct ksm_sample s;
	bool was_idle = f->pacer.act.idle;
	int err, culprit;

	err = take_reading(f, &s, &cur);
	if (err) {
		ksm_err("governor: --follow: cannot read ksmd's figures: %s",
			strerror(-err));
		return EXIT_FAIL;
	}
	culprit = changed_by_others(f, &s);
	if (culprit >= 0) {
		const struct ksm_knob *k = &ksm_knobs[follow_ids[culprit]];
		char seen[64];

		show_value(k, &s.v[follow_ids[culprit]], s.page_size, false,
			   seen, sizeof(seen));
		ksm_err("governor: --follow: %s was changed to %s by someone else: stopping, the knobs are left as they are",
			k->name, seen);
		memset(f->written, 0, sizeof(f->written));
		return EXIT_FAIL;
	}
	if (prev->running != cur.running) {
		say_activity(f, cur.running);
		update_pidfile(f, activity_name(f, cur.running));
		*prev = cur;
		return 0;
	}
	/* a measurement spans a few batches: keep prev until it can */
	if (!ksm_pacer_ready(&f->pacer, prev, &cur))
		return 0;
	if (ksm_pacer_step(&f->pacer, prev, &cur) && write_pace(f))
		return EXIT_FAIL;
	if (was_idle != f->pacer.act.idle) {
		say_activity(f, cur.running);
		update_pidfile(f, activity_name(f, cur.running));
	}
	*prev = cur;
	return 0;
}

static int follow_start(struct follower *f, struct ksm_pace_reading *first)
{
	struct ksm_sample s;
	int err;

	f->ksmd = ksm_find_kthread(f->ctx->root, "ksmd");
	if (f->ksmd < 0) {
		ksm_err("governor: --follow: cannot find the ksmd thread in /proc: %s",
			strerror(-f->ksmd));
		return EXIT_FAIL;
	}
	err = take_reading(f, &s, first);
	if (err) {
		ksm_err("governor: --follow: cannot read ksmd's figures: %s",
			strerror(-err));
		return EXIT_FAIL;
	}
	f->has_advisor = ksm_has(&s, KSM_ADVISOR_MODE);
	for (int i = 0; i < F_COUNT; i++)
		f->start[i] = s.v[follow_ids[i]];
	if (open_pidfile(f))
		return EXIT_FAIL;
	ksm_pacer_init(&f->pacer, f->fa->budget / 100.0, f->fa->cost_ns);
	if (write_pace(f))
		return EXIT_FAIL;
	if (!f->fa->quiet) {
		if (f->fa->preset)
			printf("governor: following %s (%u%% of one CPU while ksmd merges, %.1f%% when it has nothing to merge), every %.1f s; stop with SIGTERM or Ctrl-C\n",
			       f->fa->preset, f->fa->budget,
			       100 * f->pacer.idle_share, f->fa->interval_ms / 1000.0);
		else
			printf("governor: following %u%% of one CPU while ksmd merges (%.1f%% when it has nothing to merge), every %.1f s; stop with SIGTERM or Ctrl-C\n",
			       f->fa->budget, 100 * f->pacer.idle_share,
			       f->fa->interval_ms / 1000.0);
	}
	say_activity(f, first->running);
	update_pidfile(f, activity_name(f, first->running));
	return 0;
}

int gov_follow(struct ksm_ctx *ctx, const struct gov_follow_args *fa)
{
	struct follower f = { .ctx = ctx, .fa = fa, .pid_fd = -1 };
	struct ksm_pace_reading prev;
	long long next;
	sigset_t set, old;
	int status, sig = 0;

	/* signals are taken synchronously, between steps */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	status = follow_start(&f, &prev);
	next = ksm_now_ms();
	while (!status) {
		next += fa->interval_ms;
		sig = ksm_wait_signal(&set, next);
		if (sig)
			break;
		status = follow_step(&f, &prev);
	}
	restore(&f);
	close_pidfile(&f);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (sig && !fa->quiet)
		printf("governor: %s: stopped\n", strsignal(sig));
	return status;
}
