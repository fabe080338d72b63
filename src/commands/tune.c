// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl tune: the ksmtuned successor, a foreground daemon for systemd's
 * Type=notify.  The decision is src/lib/tuner.c, the daemon's loop
 * src/daemon.c (pid file, signals, sd_notify, the log, the restore at
 * exit); this file does the rest: the configuration file, the /proc
 * scan, one change per adjustment through the one change path, the
 * look at ksmd between cycles, and giving up capabilities once started.
 *
 * Capabilities: as uid 0 the knobs (0644, owned by root) and /run, the
 * lock and LOGFILE (root's) need none.  Reading another user's
 * /proc/PID/smaps_rollup (the PSS of libvirt's qemu, which runs as its
 * own user) needs CAP_SYS_PTRACE (the kernel's ptrace read check), and
 * /proc/PID/ksm_stat (mode 0400, owned by the process's user) needs
 * CAP_DAC_READ_SEARCH.  Those two are kept, everything else is dropped
 * (systemd/ksmctl-tune.service's CapabilityBoundingSet matches).  Both
 * are kept whatever the configuration says, so that a SIGHUP switching
 * KSM_COMMITTED or KSM_INCLUDE_KSM_USERS works without a restart.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "../daemon.h"
#include "../ksmctl.h"
#include "../report.h"
#include "../lib/committed.h"
#include "../lib/escape.h"
#include "../lib/ksmd.h"
#include "../lib/tuner.h"
#include "../lib/units.h"

#define DEFAULT_CONFIG "etc/ksmtuned.conf"
#define DEFAULT_PIDFILE "run/ksmctl-tune.pid"
#define MAX_CONFIG 65536
/*
 * While ksmd works, a look at its counters this often between cycles
 * (sysfs and ksmd's CPU time, no /proc scan): KSM_MONITOR_INTERVAL is a
 * minute by default and ksmd may finish merging early in it, then scan
 * for nothing at full pace until the next cycle.
 */
#define WATCH_MS 1000

enum {
	OPT_ONCE = 256,
	OPT_INTERVAL,
	OPT_PIDFILE,
	OPT_RETUNE,
	OPT_NO_RESTORE,
	OPT_SHOW_CONFIG,
};

static const struct option tune_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "pidfile", required_argument, NULL, OPT_PIDFILE },
	{ "retune", no_argument, NULL, OPT_RETUNE },
	{ "no-restore", no_argument, NULL, OPT_NO_RESTORE },
	{ "show-config", no_argument, NULL, OPT_SHOW_CONFIG },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int tune_run(struct ksm_ctx *ctx, int argc, char **argv);

const struct ksm_command cmd_tune = {
	.name = "tune",
	.summary = "the ksmtuned successor: start, stop and pace ksmd by memory use",
	.usage =
		"Usage: ksmctl tune [options]\n"
		"\n"
		"Run ksmtuned's algorithm from /etc/ksmtuned.conf in the foreground (for\n"
		"systemd Type=notify): every KSM_MONITOR_INTERVAL seconds, stop ksmd when\n"
		"the guests' committed memory leaves plenty free, otherwise start it:\n"
		"KSM_NPAGES_MAX pages a batch while free memory is short and ksmd merges,\n"
		"KSM_NPAGES_MIN and about 0.5% of a CPU once nothing merged for 2 full\n"
		"scans.  Free memory is MemAvailable, committed memory the PSS of the\n"
		"qemu processes, and on a kernel whose scan-time advisor owns\n"
		"pages_to_scan the tuner drives advisor_max_cpu instead.  Every change\n"
		"is a transaction under the same lock as 'ksmctl set'.  SIGUSR1 adjusts\n"
		"now, SIGHUP reloads the configuration, SIGTERM and SIGINT stop and\n"
		"restore what the tuner changed.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE    the configuration (default /etc/ksmtuned.conf)\n"
		"      --once           adjust once, print the decision, exit\n"
		"  -n, --dry-run        decide and log, write nothing\n"
		"  -v, --verbose        log every cycle, not only changes\n"
		"      --interval SECS  override KSM_MONITOR_INTERVAL (fractions allowed)\n"
		"      --pidfile PATH   the pid file (default /run/ksmctl-tune.pid)\n"
		"      --retune         tell the running daemon to adjust now (SIGUSR1)\n"
		"      --no-restore     leave the knobs as they are on exit\n"
		"      --show-config    check the configuration, print it, exit\n"
		"  -h, --help           display this help\n",
	.shortopts = "c:nvh",
	.longopts = tune_opts,
	.run = tune_run,
};

struct tuner {
	struct ksm_daemon d;		/* the loop, the log, the knobs owned */
	struct ksm_ctx *ctx;
	struct ksm_tune_config cfg;
	regex_t re;
	bool have_re;
	struct ksm_path config;
	bool pidfile_given;
	bool config_missing;		/* the default file is absent */
	struct ksm_tune_state st;
	struct ksm_tune_watch watch;	/* what ksmd did between cycles */
	enum ksm_tune_activity activity;	/* as the last decision had it */
	unsigned long long committed;	/* bytes, at the last cycle */
	bool running;			/* run read 1 at the last cycle */
	bool started;			/* the daemon's first cycle is done */
	pid_t ksmd;			/* 0: not looked for, < 0: not found */
	struct ksm_committed_cache cache;	/* the /proc scan's memory */
	bool dry_run, verbose, once;
	long interval_ms;		/* --interval, 0: the config's */
	int plan_err;			/* the last refusal, -errno */
};

/* ---- messages ------------------------------------------------------------ */

/* One line to the daemon's log: stderr (the journal) and LOGFILE. */
#define tlog(t, prio, ...) ksm_daemon_log(&(t)->d, (prio), __VA_ARGS__)

static bool chatty(const struct tuner *t)
{
	return t->verbose || t->cfg.debug;
}

/* ---- configuration ------------------------------------------------------ */

/*
 * Read and check the configuration into *c.  A missing default file
 * means ksmtuned's defaults, as ksmtuned's `[ -f ] && .` does.  Returns
 * 0, or -errno after writing the one-line reason into why.
 */
static int load_config(struct tuner *t, struct ksm_tune_config *c,
		       char *why, size_t size)
{
	struct ksm_tune_error perr;
	static char text[MAX_CONFIG];
	int err;

	ksm_tune_config_defaults(c);
	err = ksm_read_at(t->config.dirfd, t->config.rel, text, sizeof(text),
			  KSM_READ_TEXT, NULL);
	t->config_missing = err == -ENOENT && t->config.is_default;
	if (t->config_missing)
		return 0;
	if (err) {
		snprintf(why, size, "%s: cannot read: %s", t->config.shown,
			 err == -EFBIG ? "larger than 64 KiB" : ksm_read_strerror(err));
		return err;
	}
	err = ksm_tune_config_parse(text, c, &perr);
	if (err) {
		snprintf(why, size, "%s:%d: %s", t->config.shown, perr.line,
			 perr.msg);
		return err;
	}
	return 0;
}

/* Compile the regex of a loaded configuration and make it current. */
static int use_config(struct tuner *t, const struct ksm_tune_config *c)
{
	regex_t re;

	/* the parser compiled it once already: this cannot fail but ENOMEM */
	if (regcomp(&re, c->process_regex, REG_EXTENDED | REG_NOSUB))
		return -ENOMEM;
	if (t->have_re)
		regfree(&t->re);
	t->re = re;
	t->have_re = true;
	t->cfg = *c;
	return 0;
}

/* Would this configuration work on this kernel?  Exit 3 if not. */
static bool needs_missing_advisor(const struct ksm_tune_config *c,
				  const struct ksm_sample *s)
{
	return (c->use_advisor == TUNE_ADVISOR_YES || c->governor) &&
	       !ksm_has(s, KSM_ADVISOR_MODE);
}

static void advisor_missing_message(const struct ksm_tune_config *c, char *buf,
				    size_t size)
{
	snprintf(buf, size, "%s: needs the kernel's scan-time advisor (advisor_mode, Linux 6.8), which this kernel lacks",
		 c->governor ? "KSM_GOVERNOR" : "KSM_USE_ADVISOR=yes");
}

static void show_config(const struct tuner *t)
{
	const struct ksm_tune_config *c = &t->cfg;

	printf("# %s%s\n", t->config.shown,
	       t->config_missing ? " (not found: the defaults)" : "");
	for (int k = 0; k < TK_COUNT; k++) {
		char buf[64], value[1100];
		const char *v = ksm_tune_key_value(c, k, buf, sizeof(buf));

		ksm_escape(v, value, sizeof(value));
		/* single quotes: what sh would read back (no ' in values) */
		printf("%s=%s%s%s%s\n", ksm_tune_key_name(k),
		       strpbrk(value, " \t#$`\"\\|&;()<>*?[]{}~") ? "'" : "",
		       value,
		       strpbrk(value, " \t#$`\"\\|&;()<>*?[]{}~") ? "'" : "",
		       c->line[k] ? "" : "  # default");
	}
}

/* ---- one adjustment ----------------------------------------------------- */

static long interval_ms(const struct tuner *t)
{
	return t->interval_ms ? t->interval_ms : t->cfg.interval_ms;
}

static const char *action_name(enum ksm_tune_action a)
{
	return a == TUNE_BOOST ? "boost" : a == TUNE_IDLE ? "idle" : "decay";
}

static void status_line(const struct tuner *t, const struct ksm_tune_decision *d)
{
	char committed[32], free[32], thres[32];

	ksm_format_size(d->committed * 1024, committed, sizeof(committed));
	ksm_format_size(d->free * 1024, free, sizeof(free));
	ksm_format_size(d->thres * 1024, thres, sizeof(thres));
	if (d->action == TUNE_STOP)
		ksm_notify("STATUS=ksmd stopped: not needed; committed %s, free %s, threshold %s%s",
			      committed, free, thres, t->dry_run ? " (dry run)" : "");
	else if (d->advisor)
		ksm_notify("STATUS=ksmd running: %s, advisor_max_cpu %llu%%; committed %s, free %s, threshold %s%s",
			      action_name(d->action),
			      d->max_cpu, committed, free, thres,
			      t->dry_run ? " (dry run)" : "");
	else
		ksm_notify("STATUS=ksmd running: %s, pages_to_scan %lld, sleep_millisecs %llu; committed %s, free %s, threshold %s%s",
			      action_name(d->action),
			      d->npages, d->sleep_ms, committed, free, thres,
			      t->dry_run ? " (dry run)" : "");
}

/* The knobs one cycle reads: those the tuner writes, ksmd's work. */
static bool cycle_knob(enum ksm_knob_id id)
{
	return ksm_tune_knob(id) || id == KSM_PAGES_SCANNED ||
	       id == KSM_FULL_SCANS || id == KSM_PAGES_SHARING ||
	       id == KSM_ZERO_PAGES;
}

static int read_cycle_sample(const struct tuner *t, struct ksm_sample *s)
{
	return ksm_sample_read_only(t->ctx->root, cycle_knob, s);
}

/*
 * ksmd's CPU time, for the cost per page: false when there is no ksmd
 * to read (a --sysroot fixture), which leaves the default cost.  The pid
 * is looked up again when the thread's files go away.
 */
static bool read_ksmd_cpu(struct tuner *t, unsigned long long *ns)
{
	bool precise;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (t->ksmd <= 0 || attempt)
			t->ksmd = ksm_find_kthread(t->ctx->root, "ksmd");
		if (t->ksmd <= 0)
			return false;
		if (!ksm_task_cpu_ns(t->ctx->root, t->ksmd, ns, &precise))
			return true;
	}
	return false;
}

/*
 * What ksmd did since the last cycle, from this cycle's sample: never
 * fails, a counter the kernel lacks reads as 0 and says nothing.
 */
static void watch_ksmd(struct tuner *t, const struct ksm_sample *s,
		       unsigned long long committed, struct ksm_tune_work *work)
{
	struct ksm_pace_reading r = { 0 };
	bool has_cpu;

	ksm_pace_reading_fill(&r, s);
	has_cpu = read_ksmd_cpu(t, &r.cpu_ns);
	r.cow = ksm_read_cow_ksm(t->ctx->root);
	ksm_tune_watch_step(&t->watch, &r, has_cpu, committed,
			    s->has_meminfo ? s->mem.bytes[MEM_TOTAL] : 0, work);
}

/*
 * A look between cycles: true when ksmd's work changed class (it has
 * just become idle, or works again), so that the cycle comes now.  The
 * committed memory is the last cycle's: only a cycle scans /proc.
 */
static bool watch_tick(struct tuner *t)
{
	struct ksm_tune_work work;
	struct ksm_sample s;

	if (read_cycle_sample(t, &s))
		return false;		/* the cycle will say why */
	watch_ksmd(t, &s, t->committed, &work);
	return (work.activity == TUNE_ACT_IDLE) !=
	       (t->activity == TUNE_ACT_IDLE);
}

enum cycle_result {
	CYCLE_OK,
	CYCLE_RETRY,		/* lock busy: again soon */
	CYCLE_FAILED,		/* said why; the daemon goes on */
	CYCLE_FATAL,		/* cannot work on this system at all */
};

static void report_decision(struct tuner *t, const struct ksm_tune_decision *d,
			    const struct ksm_txn *tx)
{
	char changes[512];

	ksm_report_changes(tx, changes, sizeof(changes));
	if (t->once) {
		printf("%s\n", d->reason);
		if (tx->count)
			ksm_report_plan(tx, t->dry_run);
		else
			printf("nothing to change\n");
		return;
	}
	if (tx->count)
		tlog(t, LOG_NOTICE, "tune: %s%s: %s", changes,
		     t->dry_run ? " (dry run)" : "", d->reason);
	else if (chatty(t))
		tlog(t, LOG_INFO, "tune: no change: %s", d->reason);
}

/* One cycle's decision and the figures it was made from. */
struct cycle {
	struct tuner *t;
	struct ksm_committed cm;
	struct ksm_tune_decision d;
};

/* Under the writers' lock, with the fresh sample: the tuner's decision. */
static int decide(const struct ksm_sample *s, struct ksm_txn *tx, void *data)
{
	struct cycle *c = data;
	struct tuner *t = c->t;
	struct ksm_tune_work work;
	int err;

	watch_ksmd(t, s, c->cm.bytes, &work);
	t->activity = work.activity;
	t->committed = c->cm.bytes;
	t->running = ksm_has(s, KSM_RUN) && ksm_u(s, KSM_RUN) == 1;
	err = ksm_tune_decide(&t->cfg, s, &c->cm, &t->st, &work, &c->d);
	for (int i = 0; !err && i < c->d.count; i++)
		ksm_txn_add_value(tx, c->d.writes[i].id, &c->d.writes[i].to);
	return err;
}

static bool access_error(int err)
{
	return err == -EACCES || err == -EROFS || err == -EPERM;
}

/* What a cycle that did not get to write means for the daemon. */
static enum cycle_result not_written(struct tuner *t, const struct ksm_change_result *r,
				     const struct cycle *c)
{
	switch (r->end) {
	case KSM_CHANGE_BUSY:
		if (chatty(t))
			tlog(t, LOG_INFO, "tune: another ksmctl (pid %ld) is changing KSM settings; trying again soon",
			     (long)r->holder);
		return t->once ? CYCLE_FATAL : CYCLE_RETRY;
	case KSM_CHANGE_DECLINED:
		tlog(t, LOG_ERR, "tune: %s", c->d.reason);
		return r->err == -ENOENT ? CYCLE_FATAL : CYCLE_FAILED;
	case KSM_CHANGE_UNREADABLE:
		return r->err == -ENOENT ? CYCLE_FATAL : CYCLE_FAILED;
	case KSM_CHANGE_REFUSED:
		t->plan_err = r->err;
		return access_error(r->err) || r->err == -ENOENT ? CYCLE_FATAL :
		       CYCLE_FAILED;
	case KSM_CHANGE_LOCK_FAILED:
		return t->once ? CYCLE_FATAL : CYCLE_FAILED;
	default:
		/* the change path put back what it wrote */
		return CYCLE_FAILED;
	}
}

static enum cycle_result cycle(struct tuner *t)
{
	struct ksm_committed_opts o = {
		.re = &t->re,
		.rss = t->cfg.committed == TUNE_COMMITTED_RSS,
		.include_ksm_users = t->cfg.include_ksm_users,
	};
	struct cycle c = { .t = t };
	struct ksm_change_hooks hooks = { .decide = decide, .data = &c };
	struct ksm_change_req req = {
		/* --once waits as commands do; the daemon tries again soon */
		.lock = t->once ? KSM_LOCK_WAIT : KSM_LOCK_FAIL,
		.dry_run = t->dry_run,
		.sample_only = cycle_knob,
		.hooks = &hooks,
	};
	enum cycle_result res = CYCLE_OK;
	struct ksm_change_result *r;
	int err;

	/* /proc first, outside the lock: the lock guards the knobs only */
	err = ksm_committed_scan(t->ctx->root, &o, &t->cache, &c.cm);
	if (err) {
		tlog(t, LOG_ERR, "/proc: cannot read the processes: %s", strerror(-err));
		return CYCLE_FAILED;
	}
	r = malloc(sizeof(*r));
	if (!r) {
		tlog(t, LOG_ERR, "tune: %s", strerror(ENOMEM));
		return CYCLE_FAILED;
	}
	if (t->once)
		hooks.waiting = ksm_report_waiting;
	err = ksm_daemon_change(&t->d, &req, r);
	if (err) {
		res = not_written(t, r, &c);
	} else {
		t->st = c.d.next;
		t->d.last_error[0] = '\0';
		report_decision(t, &c.d, &r->txn);
		status_line(t, &c.d);
	}
	free(r);
	return res;
}

/* ---- privileges --------------------------------------------------------- */

static const cap_value_t kept_caps[] = { CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH };

static bool kept(cap_value_t c)
{
	for (size_t i = 0; i < sizeof(kept_caps) / sizeof(kept_caps[0]); i++)
		if (kept_caps[i] == c)
			return true;
	return false;
}

/* Keep only what reading other users' /proc files needs (see the top). */
static void drop_capabilities(struct tuner *t)
{
	cap_flag_value_t have, setpcap = CAP_CLEAR;
	cap_t cur = cap_get_proc(), next = cap_init();
	int kept_n = 0;

	if (!cur || !next)
		goto out;
	cap_get_flag(cur, CAP_SETPCAP, CAP_EFFECTIVE, &setpcap);
	for (size_t i = 0; i < sizeof(kept_caps) / sizeof(kept_caps[0]); i++) {
		have = CAP_CLEAR;
		cap_get_flag(cur, kept_caps[i], CAP_PERMITTED, &have);
		if (have != CAP_SET)
			continue;
		cap_set_flag(next, CAP_PERMITTED, 1, &kept_caps[i], CAP_SET);
		cap_set_flag(next, CAP_EFFECTIVE, 1, &kept_caps[i], CAP_SET);
		kept_n++;
	}
	/* the bounding set too, so nothing can come back (needs SETPCAP) */
	if (setpcap == CAP_SET)
		for (cap_value_t c = 0; c < cap_max_bits(); c++)
			if (!kept(c))
				cap_drop_bound(c);
	cap_reset_ambient();
	if (cap_set_proc(next) < 0)
		tlog(t, LOG_WARNING, "tune: cannot drop capabilities: %s", strerror(errno));
	else if (chatty(t))
		tlog(t, LOG_INFO, "tune: capabilities kept: %s",
		     kept_n ? "cap_sys_ptrace, cap_dac_read_search (where held)" :
		     "none");
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
out:
	cap_free(cur);
	cap_free(next);
}

/* ---- the daemon ----------------------------------------------------------- */

static void reload(struct ksm_daemon *d)
{
	struct tuner *t = d->self;
	struct ksm_tune_config c;
	struct ksm_sample s;
	char why[1024];

	if (load_config(t, &c, why, sizeof(why))) {
		tlog(t, LOG_ERR, "%s; keeping the running configuration", why);
		ksm_notify("STATUS=reload failed: %s", why);
		return;
	}
	if (ksm_sample_read(t->ctx->root, &s) == 0 && needs_missing_advisor(&c, &s)) {
		advisor_missing_message(&c, why, sizeof(why));
		tlog(t, LOG_ERR, "%s: %s; keeping the running configuration",
		     t->config.shown, why);
		ksm_notify("STATUS=reload failed: %s", why);
		return;
	}
	if (strcmp(c.pidfile, t->cfg.pidfile) && !t->pidfile_given)
		tlog(t, LOG_WARNING, "tune: PIDFILE changes at the next start; %s stays",
		     d->pidfile.shown);
	if (use_config(t, &c)) {
		tlog(t, LOG_ERR, "tune: out of memory; keeping the running configuration");
		return;
	}
	ksm_daemon_open_log(d, t->cfg.logfile);
	tlog(t, LOG_NOTICE, "tune: reloaded %s", t->config.shown);
}

/* The first step: say so, then keep only the capabilities it needs. */
static void started(struct tuner *t)
{
	tlog(t, LOG_NOTICE, "tune: started (pid %ld): %s%s, every %ld.%03ld s%s",
	     (long)getpid(), t->config.shown,
	     t->config_missing ? " (not found: the defaults)" : "",
	     interval_ms(t) / 1000, interval_ms(t) % 1000,
	     t->dry_run ? ", dry run" : "");
	drop_capabilities(t);
	t->started = true;
}

static enum ksm_daemon_next daemon_step(struct ksm_daemon *d, int sig)
{
	struct tuner *t = d->self;

	if (!t->started)
		started(t);
	if (sig == SIGUSR1 && chatty(t))
		tlog(t, LOG_INFO, "tune: SIGUSR1: adjusting now");
	switch (cycle(t)) {
	case CYCLE_RETRY:
		return KSM_DAEMON_SOON;
	case CYCLE_FATAL:
		/* a system it cannot work on at all: give up at once */
		if (!d->ready) {
			d->status = EXIT_FAIL;
			return KSM_DAEMON_STOP;
		}
		return KSM_DAEMON_GO_ON;
	default:
		return KSM_DAEMON_GO_ON;
	}
}

static long daemon_interval_ms(const struct ksm_daemon *d)
{
	return interval_ms(d->self);
}

/* Look at ksmd between cycles while it works? */
static long daemon_look_ms(const struct ksm_daemon *d)
{
	const struct tuner *t = d->self;

	return t->running && t->activity != TUNE_ACT_IDLE &&
	       interval_ms(t) > WATCH_MS ? WATCH_MS : 0;
}

static bool daemon_look(struct ksm_daemon *d)
{
	struct tuner *t = d->self;

	if (!watch_tick(t))
		return false;
	if (chatty(t))
		tlog(t, LOG_INFO, "tune: ksmd's work changed: adjusting now");
	return true;
}

static void already_running(const struct ksm_daemon *d, pid_t pid)
{
	ksm_err("%s: another ksmctl tune is running (pid %ld); use --retune to make it adjust now",
		d->pidfile.shown, (long)pid);
}

static const struct ksm_daemon_ops tune_ops = {
	.name = "tune",
	.owner = "tuner",
	.step = daemon_step,
	.interval_ms = daemon_interval_ms,
	.look_ms = daemon_look_ms,
	.look = daemon_look,
	.reload = reload,
	.already_running = already_running,
};

static int run_daemon(struct tuner *t, const struct ksm_sample *s)
{
	int status;

	ksm_daemon_open_log(&t->d, t->cfg.logfile);
	ksm_tune_state_init(&t->st, s);
	ksm_tune_watch_init(&t->watch);
	t->d.owned = &t->st.owned;
	t->d.dry_run = t->dry_run;
	t->d.verbose = chatty(t);
	if (!t->cfg.restore_on_exit)
		t->d.restore = false;
	status = ksm_daemon_run(&t->d);
	if (t->started)
		tlog(t, LOG_NOTICE, "tune: stopped");
	return status;
}

/* --retune: SIGUSR1 to the running daemon. */
static int retune(struct tuner *t)
{
	const struct ksm_path *p = &t->d.pidfile;
	pid_t pid;
	int err = ksm_pidfile_running(p, &pid, NULL, 0);

	if (err == -ENOENT && faccessat(p->dirfd, p->rel, F_OK, 0) == 0) {
		ksm_err("%s: ksmctl tune is not running (stale pid file)", p->shown);
		return EXIT_FAIL;
	}
	if (err == -ENODATA) {
		ksm_err("%s: no pid in the pid file", p->shown);
		return EXIT_FAIL;
	}
	if (err) {
		ksm_err("%s: cannot open: %s%s", p->shown, strerror(-err),
			err == -ENOENT ? " (is ksmctl tune running?)" : "");
		return EXIT_FAIL;
	}
	if (kill(pid, SIGUSR1) < 0) {
		ksm_err("pid %ld: cannot send SIGUSR1: %s%s", (long)pid,
			strerror(errno), errno == EPERM ? " (needs root)" : "");
		return EXIT_FAIL;
	}
	if (t->verbose)
		printf("sent SIGUSR1 to ksmctl tune (pid %ld)\n", (long)pid);
	return EXIT_OK;
}

static int parse_options(struct tuner *t, int argc, char **argv, bool *retune_,
			 bool *show)
{
	int c;

	while ((c = ksm_getopt(&cmd_tune, argc, argv)) != -1) {
		switch (c) {
		case 'c':
			ksm_path_given(&t->config, optarg);
			break;
		case OPT_ONCE:
			t->once = true;
			break;
		case 'n':
			t->dry_run = true;
			break;
		case 'v':
			t->verbose = true;
			break;
		case OPT_INTERVAL:
			if (ksm_parse_seconds(&cmd_tune, "--interval", optarg,
					      &t->interval_ms))
				return EXIT_USAGE;
			break;
		case OPT_PIDFILE:
			ksm_path_given(&t->d.pidfile, optarg);
			t->pidfile_given = true;
			break;
		case OPT_RETUNE:
			*retune_ = true;
			break;
		case OPT_NO_RESTORE:
			t->d.restore = false;
			break;
		case OPT_SHOW_CONFIG:
			*show = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return ksm_usage_error(&cmd_tune, "unexpected argument '%s'",
				       ksm_shown(argv[optind]));
	if (*retune_ && (t->once || t->dry_run || *show || t->interval_ms ||
			 !t->d.restore))
		return ksm_usage_error(&cmd_tune, "--retune goes only with --pidfile, --config and --verbose");
	if (*show && (t->once || t->dry_run || t->interval_ms || !t->d.restore))
		return ksm_usage_error(&cmd_tune, "--show-config goes only with --config");
	if (t->once && (t->interval_ms || !t->d.restore || t->pidfile_given))
		return ksm_usage_error(&cmd_tune, "--once makes one adjustment: --interval, --pidfile and --no-restore go with the daemon");
	return 0;
}

/* --once: one cycle, its decision on stdout. */
static int once(struct tuner *t, const struct ksm_sample *s)
{
	ksm_tune_state_init(&t->st, s);
	ksm_tune_watch_init(&t->watch);
	t->d.owned = &t->st.owned;
	switch (cycle(t)) {
	case CYCLE_OK:
		return EXIT_OK;
	case CYCLE_FATAL:
		return t->plan_err == -ENOENT ? EXIT_UNAVAILABLE : EXIT_FAIL;
	default:
		return EXIT_FAIL;
	}
}

static int tune_run(struct ksm_ctx *ctx, int argc, char **argv)
{
	struct tuner t = { .ctx = ctx };
	bool do_retune = false, show = false;
	struct ksm_tune_config c;
	struct ksm_sample s;
	char why[1024];
	int status;

	ksm_daemon_init(&t.d, ctx, &tune_ops, &t);
	ksm_path_default(&t.config, ctx, DEFAULT_CONFIG);
	ksm_path_default(&t.d.pidfile, ctx, DEFAULT_PIDFILE);
	status = parse_options(&t, argc, argv, &do_retune, &show);
	if (status)
		return status;
	if (load_config(&t, &c, why, sizeof(why))) {
		ksm_err("%s", why);
		/* --retune needs the file only for PIDFILE */
		if (!do_retune || t.pidfile_given)
			return EXIT_FAIL;
		ksm_tune_config_defaults(&c);
	}
	if (c.pidfile[0] && !t.pidfile_given)
		ksm_path_given(&t.d.pidfile, c.pidfile);
	if (do_retune) {
		t.cfg = c;
		return retune(&t);
	}
	if (use_config(&t, &c)) {
		ksm_err("tune: out of memory");
		return EXIT_FAIL;
	}
	if (show) {
		show_config(&t);
		regfree(&t.re);
		return EXIT_OK;
	}
	if (ksm_root_knob_dirs(ctx->root) == KNOB_IN_UKSM) {
		ksm_err("tune: this UKSM kernel scans all memory and paces itself (cpu_governor): ksmtuned's algorithm has nothing to drive");
		status = EXIT_UNAVAILABLE;
		goto out;
	}
	/* only what the tuner uses; the full read words a missing KSM well */
	if (read_cycle_sample(&t, &s)) {
		status = ksm_ctx_sample(ctx, &s);
		if (!status) {
			ksm_err("%s/run: cannot read", KSM_SYSFS_DIR);
			status = EXIT_FAIL;
		}
		goto out;
	}
	if (needs_missing_advisor(&c, &s)) {
		advisor_missing_message(&c, why, sizeof(why));
		ksm_err("%s: %s", t.config.shown, why);
		status = EXIT_UNAVAILABLE;
		goto out;
	}
	status = t.once ? once(&t, &s) : run_daemon(&t, &s);
out:
	ksm_daemon_close_log(&t.d);
	regfree(&t.re);
	ksm_committed_cache_free(&t.cache);
	return status;
}
