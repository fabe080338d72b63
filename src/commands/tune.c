// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl tune: the ksmtuned successor, a foreground daemon for systemd's
 * Type=notify.  The decision is src/lib/tuner.c; this file does its I/O:
 * the configuration file, the /proc scan, one knob transaction per
 * adjustment under the writers' lock, signals, the pid file, logging,
 * sd_notify, and giving up capabilities once started.
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
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../ksmctl.h"
#include "../report.h"
#include "../lib/committed.h"
#include "../lib/escape.h"
#include "../lib/ksmd.h"
#include "../lib/meminfo.h"
#include "../lib/parse.h"
#include "../lib/tuner.h"
#include "../lib/units.h"

#define DEFAULT_CONFIG "etc/ksmtuned.conf"
#define DEFAULT_PIDFILE "run/ksmctl-tune.pid"
#define MAX_CONFIG 65536
/* A busy lock (another ksmctl writing): try again this soon. */
#define LOCK_RETRY_MS 1000
/* How long the restore at exit waits for the lock. */
#define RESTORE_LOCK_MS 10000
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

/* A file named by the user (as given) or a default below the sysroot. */
struct tpath {
	int dirfd;			/* AT_FDCWD, or the sysroot's */
	char rel[PATH_MAX];
	char shown[512];		/* for messages */
	bool is_default;
};

struct tuner {
	struct ksm_ctx *ctx;
	struct ksm_tune_config cfg;
	regex_t re;
	bool have_re;
	struct tpath config, pidfile;
	bool pidfile_given;
	bool config_missing;		/* the default file is absent */
	struct ksm_tune_state st;
	struct ksm_tune_watch watch;	/* what ksmd did between cycles */
	enum ksm_tune_activity activity;	/* as the last decision had it */
	unsigned long long committed;	/* bytes, at the last cycle */
	bool running;			/* run read 1 at the last cycle */
	pid_t ksmd;			/* 0: not looked for, < 0: not found */
	struct ksm_committed_cache cache;	/* the /proc scan's memory */
	bool dry_run, verbose, once, no_restore;
	long interval_ms;		/* --interval, 0: the config's */
	FILE *log;
	char log_path[sizeof(((struct ksm_tune_config *)0)->logfile)];
	int pid_fd;
	int plan_err;			/* the last refusal, -errno */
	char last_error[512];		/* not repeated every cycle */
};

/* ---- paths, messages ---------------------------------------------------- */

static void tpath_default(struct tpath *p, struct ksm_ctx *ctx, const char *rel)
{
	const char *root = ctx->sysroot;
	size_t len = strlen(root);

	p->dirfd = ksm_root_fd(ctx->root);
	p->is_default = true;
	snprintf(p->rel, sizeof(p->rel), "%s", rel);
	while (len && root[len - 1] == '/')
		len--;
	snprintf(p->shown, sizeof(p->shown), "%.*s/%s", (int)len, root, rel);
}

static void tpath_given(struct tpath *p, const char *path)
{
	p->dirfd = AT_FDCWD;
	p->is_default = false;
	snprintf(p->rel, sizeof(p->rel), "%s", path);
	ksm_escape(path, p->shown, sizeof(p->shown));
}

static void log_to_file(struct tuner *t, const char *msg)
{
	char stamp[64];
	struct tm tm;
	time_t now;

	if (!t->log)
		return;
	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S%z", &tm);
	fprintf(t->log, "%s ksmctl tune[%ld]: %s\n", stamp, (long)getpid(), msg);
	fflush(t->log);
}

/* One line to stderr (the journal) and to LOGFILE. */
__attribute__((format(printf, 2, 3)))
static void tlog(struct tuner *t, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ksm_err("%s", msg);
	log_to_file(t, msg);
}

/* The same error every cycle is said once, until it changes. */
__attribute__((format(printf, 2, 3)))
static void tlog_error(struct tuner *t, const char *fmt, ...)
{
	char msg[sizeof(t->last_error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!strcmp(msg, t->last_error) && !t->cfg.debug && !t->verbose)
		return;
	snprintf(t->last_error, sizeof(t->last_error), "%s", msg);
	tlog(t, "%s", msg);
}

static bool chatty(const struct tuner *t)
{
	return t->verbose || t->cfg.debug;
}

/* sd_notify(3), by hand: one datagram to $NOTIFY_SOCKET. */
static void notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len < 2 || len > sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';	/* an abstract socket */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0) {
		/* systemd gone or not listening: nothing to tell */
	}
	close(fd);
}

__attribute__((format(printf, 1, 2)))
static void notify_status(const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	int n;

	n = snprintf(msg, sizeof(msg), "STATUS=");
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	notify(msg);
}

/* ---- configuration ------------------------------------------------------ */

static int read_at(const struct tpath *p, char *buf, size_t size)
{
	ssize_t n;
	size_t len = 0;
	int fd;

	fd = openat(p->dirfd, p->rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf + len, size - 1 - len)) > 0) {
		len += (size_t)n;
		if (len == size - 1)
			break;
	}
	close(fd);
	if (n < 0)
		return -errno;
	if (len == size - 1)
		return -EFBIG;
	buf[len] = '\0';
	if (memchr(buf, '\0', len))
		return -EINVAL;		/* not a text file */
	return 0;
}

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
	err = read_at(&t->config, text, sizeof(text));
	t->config_missing = err == -ENOENT && t->config.is_default;
	if (t->config_missing)
		return 0;
	if (err) {
		snprintf(why, size, "%s: cannot read: %s", t->config.shown,
			 err == -EFBIG ? "larger than 64 KiB" :
			 err == -EINVAL ? "not a text file" : strerror(-err));
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

static void open_log(struct tuner *t)
{
	if (!strcmp(t->log_path, t->cfg.logfile))
		return;
	if (t->log)
		fclose(t->log);
	t->log = NULL;
	snprintf(t->log_path, sizeof(t->log_path), "%s", t->cfg.logfile);
	if (!t->cfg.logfile[0])
		return;
	t->log = fopen(t->cfg.logfile, "ae");
	if (!t->log) {
		char shown[600];

		ksm_escape(t->cfg.logfile, shown, sizeof(shown));
		ksm_warn("%s: cannot open LOGFILE: %s; logging to stderr only",
			 shown, strerror(errno));
	}
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

static void format_changes(const struct ksm_txn *tx, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < tx->count && len < size; i++) {
		const struct ksm_step *s = &tx->steps[i];
		char from[64], to[64];

		ksm_knob_format(s->knob, &s->from, from, sizeof(from));
		ksm_knob_format(s->knob, &s->to, to, sizeof(to));
		len += (size_t)snprintf(buf + len, size - len, "%s%s %s -> %s",
					i ? ", " : "", s->knob->name, from, to);
	}
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
		notify_status("ksmd stopped: not needed; committed %s, free %s, threshold %s%s",
			      committed, free, thres, t->dry_run ? " (dry run)" : "");
	else if (d->advisor)
		notify_status("ksmd running: %s, advisor_max_cpu %llu%%; committed %s, free %s, threshold %s%s",
			      action_name(d->action),
			      d->max_cpu, committed, free, thres,
			      t->dry_run ? " (dry run)" : "");
	else
		notify_status("ksmd running: %s, pages_to_scan %lld, sleep_millisecs %llu; committed %s, free %s, threshold %s%s",
			      action_name(d->action),
			      d->npages, d->sleep_ms, committed, free, thres,
			      t->dry_run ? " (dry run)" : "");
}

/* Take the writers' lock: once waits (and says so), the daemon retries. */
static int take_lock(struct tuner *t, struct ksm_lock *lock)
{
	pid_t holder = 0;
	int err;

	err = ksm_lock_take(t->ctx->root, lock, false, &holder);
	if (err == -EWOULDBLOCK && t->once) {
		ksm_warn("waiting for ksmctl (pid %ld) to finish its change...",
			 (long)holder);
		err = ksm_lock_take(t->ctx->root, lock, true, NULL);
	}
	if (err == -EWOULDBLOCK) {
		if (chatty(t))
			tlog(t, "tune: another ksmctl (pid %ld) is changing KSM settings; trying again in %d ms",
			     (long)holder, LOCK_RETRY_MS);
		return -EWOULDBLOCK;
	}
	if (err)
		tlog_error(t, "%s: cannot take the lock: %s%s", KSM_LOCK_PATH,
			   strerror(-err), ksm_write_hint(err));
	return err;
}

/*
 * The sample one cycle needs: the knobs the tuner reads or writes, the
 * counters that show ksmd's work and /proc/meminfo, not all of /sys/kernel/mm/ksm (a fifth of the system
 * calls of ksm_sample_read; this runs every cycle).  The other knobs read
 * as -ENODATA: nothing in the decision or the plan looks at them.
 */
static int tune_sample(const struct ksm_root *root, struct ksm_sample *s)
{
	char text[8192];
	int err;

	memset(s, 0, sizeof(*s));
	s->page_size = sysconf(_SC_PAGESIZE);
	clock_gettime(CLOCK_MONOTONIC, &s->when);
	for (int id = 0; id < KSM_KNOB_COUNT; id++) {
		if (ksm_tune_knob(id) || id == KSM_PAGES_SCANNED ||
		    id == KSM_FULL_SCANS || id == KSM_PAGES_SHARING ||
		    id == KSM_ZERO_PAGES)
			ksm_knob_read(root, &ksm_knobs[id], &s->v[id]);
		else
			s->v[id].err = -ENODATA;
	}
	if (s->v[KSM_RUN].err == -ENOENT)
		return -ENOENT;		/* no KSM (any more) */
	err = ksm_root_read(root, "proc/meminfo", text, sizeof(text));
	if (!err)
		err = ksm_meminfo_parse(text, &s->mem);
	s->has_meminfo = err == 0;
	s->meminfo_err = err;
	return 0;
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

/* Look at ksmd between cycles while it works? */
static bool watching(const struct tuner *t)
{
	return !t->once && t->running && t->activity != TUNE_ACT_IDLE &&
	       interval_ms(t) > WATCH_MS;
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

	if (tune_sample(t->ctx->root, &s))
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

static enum cycle_result plan_failed(struct tuner *t, int err,
				     const struct ksm_knob *culprit,
				     const struct ksm_refusal *why)
{
	t->plan_err = err;
	tlog_error(t, "%s: %s%s", culprit ? culprit->name : "?", why->why,
		   err == -EACCES || err == -EROFS || err == -EPERM ?
		   ksm_write_hint(err) : "");
	if (err == -EACCES || err == -EROFS || err == -EPERM)
		return CYCLE_FATAL;
	return err == -ENOENT ? CYCLE_FATAL : CYCLE_FAILED;
}

static void report_decision(struct tuner *t, const struct ksm_tune_decision *d,
			    const struct ksm_txn *tx)
{
	char changes[512];

	format_changes(tx, changes, sizeof(changes));
	if (t->once) {
		printf("%s\n", d->reason);
		if (tx->count)
			ksm_report_plan(tx, t->dry_run);
		else
			printf("nothing to change\n");
		return;
	}
	if (tx->count)
		tlog(t, "tune: %s%s: %s", changes, t->dry_run ? " (dry run)" : "",
		     d->reason);
	else if (chatty(t))
		tlog(t, "tune: no change: %s", d->reason);
}

static enum cycle_result cycle(struct tuner *t)
{
	struct ksm_committed_opts o = {
		.re = &t->re,
		.rss = t->cfg.committed == TUNE_COMMITTED_RSS,
		.include_ksm_users = t->cfg.include_ksm_users,
	};
	const struct ksm_knob *culprit = NULL;
	struct ksm_refusal why = { "" };
	struct ksm_lock lock = { -1 };
	struct ksm_tune_decision d;
	struct ksm_tune_work work;
	struct ksm_committed cm;
	struct ksm_sample s;
	enum cycle_result res = CYCLE_OK;
	struct ksm_txn tx;
	int err;

	/* /proc first, outside the lock: the lock guards the knobs only */
	err = ksm_committed_scan(t->ctx->root, &o, &t->cache, &cm);
	if (err) {
		tlog_error(t, "/proc: cannot read the processes: %s", strerror(-err));
		return CYCLE_FAILED;
	}
	if (!t->dry_run) {
		err = take_lock(t, &lock);
		if (err)
			return err == -EWOULDBLOCK ? CYCLE_RETRY :
			       t->once ? CYCLE_FATAL : CYCLE_FAILED;
	}
	err = tune_sample(t->ctx->root, &s);
	if (err) {
		tlog_error(t, "%s: cannot read: %s", KSM_SYSFS_DIR, strerror(-err));
		res = err == -ENOENT ? CYCLE_FATAL : CYCLE_FAILED;
		goto out;
	}
	watch_ksmd(t, &s, cm.bytes, &work);
	t->activity = work.activity;
	t->committed = cm.bytes;
	t->running = ksm_has(&s, KSM_RUN) && ksm_u(&s, KSM_RUN) == 1;
	err = ksm_tune_decide(&t->cfg, &s, &cm, &t->st, &work, &d);
	if (err) {
		tlog_error(t, "tune: %s", d.reason);
		res = err == -ENOENT ? CYCLE_FATAL : CYCLE_FAILED;
		goto out;
	}
	ksm_txn_init(&tx, 0);
	for (int i = 0; i < d.count; i++)
		ksm_txn_add_value(&tx, d.writes[i].id, &d.writes[i].to);
	err = ksm_txn_plan(&tx, t->ctx->root, &s, &why, &culprit);
	if (err) {
		res = plan_failed(t, err, culprit, &why);
		goto out;
	}
	if (!t->dry_run && tx.count) {
		err = ksm_txn_apply(&tx, t->ctx->root);
		if (err) {
			/* the transaction put back what it wrote */
			ksm_report_txn_failure(&tx);
			log_to_file(t, "tune: a write failed; see stderr");
			res = CYCLE_FAILED;
			goto out;
		}
	}
	t->st = d.next;
	t->last_error[0] = '\0';
	report_decision(t, &d, &tx);
	status_line(t, &d);
out:
	ksm_lock_release(&lock);
	return res;
}

/* ---- restore at exit ---------------------------------------------------- */

static int lock_for_restore(struct tuner *t, struct ksm_lock *lock)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	int err;

	for (int waited = 0; ; waited += 100) {
		err = ksm_lock_take(t->ctx->root, lock, false, NULL);
		if (err != -EWOULDBLOCK || waited >= RESTORE_LOCK_MS)
			break;
		nanosleep(&pause, NULL);
	}
	if (err)
		tlog(t, "%s: cannot take the lock to restore the knobs: %s",
		     KSM_LOCK_PATH, err == -EWOULDBLOCK ?
		     "another ksmctl holds it" : strerror(-err));
	return err;
}

/* Put back what the tuner changed (two passes: see the plan's comment). */
static int restore(struct tuner *t)
{
	if (!ksm_tune_changed_any(&t->st))
		return 0;	/* nothing was changed */
	for (int pass = 0; pass < 2; pass++) {
		const struct ksm_knob *culprit = NULL;
		struct ksm_refusal why = { "" };
		struct ksm_lock lock = { -1 };
		struct ksm_tune_write w[8];
		char note[512], changes[512];
		struct ksm_sample s;
		struct ksm_txn tx;
		int n, err;

		if (lock_for_restore(t, &lock))
			return -EAGAIN;
		err = ksm_sample_read(t->ctx->root, &s);
		if (err) {
			tlog(t, "%s: cannot read: %s; the knobs were not restored",
			     KSM_SYSFS_DIR, strerror(-err));
			ksm_lock_release(&lock);
			return err;
		}
		n = ksm_tune_restore_plan(&t->st, &s, w, 8, note, sizeof(note));
		if (note[0] && pass == 0)
			tlog(t, "tune: %s", note);
		ksm_txn_init(&tx, 0);
		for (int i = 0; i < n; i++)
			ksm_txn_add_value(&tx, w[i].id, &w[i].to);
		err = n ? ksm_txn_plan(&tx, t->ctx->root, &s, &why, &culprit) : 0;
		if (!err && n)
			err = ksm_txn_apply(&tx, t->ctx->root);
		ksm_lock_release(&lock);
		if (err) {
			if (culprit)
				tlog(t, "%s: %s; the knobs were not restored",
				     culprit->name, why.why);
			else
				ksm_report_txn_failure(&tx);
			return err;
		}
		if (!n)
			break;
		format_changes(&tx, changes, sizeof(changes));
		tlog(t, "tune: restored %s", changes);
	}
	return 0;
}

/* ---- the pid file ------------------------------------------------------- */

static pid_t read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long pid;
	char *end;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	if (end == buf || (*end && *end != '\n') || pid <= 0 || pid > INT_MAX)
		return 0;
	return (pid_t)pid;
}

/*
 * Create and lock the pid file for the daemon's lifetime: the lock says
 * "running" more reliably than the pid, which the kernel may reuse.
 */
static int open_pidfile(struct tuner *t)
{
	const int flags = O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW;
	char buf[32];
	int fd, len;

	fd = openat(t->pidfile.dirfd, t->pidfile.rel, flags, 0644);
	if (fd < 0 && errno == ENOENT && t->pidfile.is_default) {
		/* a fixture sysroot may have no run/ yet */
		if (mkdirat(t->pidfile.dirfd, "run", 0755) == 0 || errno == EEXIST)
			fd = openat(t->pidfile.dirfd, t->pidfile.rel, flags, 0644);
	}
	if (fd < 0) {
		ksm_err("%s: cannot create the pid file: %s%s", t->pidfile.shown,
			strerror(errno), ksm_write_hint(-errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		pid_t pid = read_pid(fd);

		ksm_err("%s: another ksmctl tune is running (pid %ld); use --retune to make it adjust now",
			t->pidfile.shown, (long)pid);
		close(fd);
		return -1;
	}
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)len, 0) != len) {
		ksm_err("%s: cannot write the pid file: %s", t->pidfile.shown,
			strerror(errno));
		close(fd);
		return -1;
	}
	t->pid_fd = fd;
	return 0;
}

static void close_pidfile(struct tuner *t)
{
	if (t->pid_fd < 0)
		return;
	/* unlink while holding the lock: nobody sees a stale file */
	unlinkat(t->pidfile.dirfd, t->pidfile.rel, 0);
	close(t->pid_fd);
	t->pid_fd = -1;
}

static int retune(struct tuner *t)
{
	pid_t pid;
	int fd;

	fd = openat(t->pidfile.dirfd, t->pidfile.rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		ksm_err("%s: cannot open: %s%s", t->pidfile.shown, strerror(errno),
			errno == ENOENT ? " (is ksmctl tune running?)" : "");
		return EXIT_FAIL;
	}
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		ksm_err("%s: ksmctl tune is not running (stale pid file)",
			t->pidfile.shown);
		close(fd);
		return EXIT_FAIL;
	}
	pid = read_pid(fd);
	close(fd);
	if (!pid) {
		ksm_err("%s: no pid in the pid file", t->pidfile.shown);
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
		tlog(t, "tune: cannot drop capabilities: %s", strerror(errno));
	else if (chatty(t))
		tlog(t, "tune: capabilities kept: %s",
		     kept_n ? "cap_sys_ptrace, cap_dac_read_search (where held)" :
		     "none");
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
out:
	cap_free(cur);
	cap_free(next);
}

/* ---- the daemon --------------------------------------------------------- */

static void reload(struct tuner *t)
{
	struct ksm_tune_config c;
	struct ksm_sample s;
	char why[1024];

	if (load_config(t, &c, why, sizeof(why))) {
		tlog(t, "%s; keeping the running configuration", why);
		notify_status("reload failed: %s", why);
		return;
	}
	if (ksm_sample_read(t->ctx->root, &s) == 0 && needs_missing_advisor(&c, &s)) {
		advisor_missing_message(&c, why, sizeof(why));
		tlog(t, "%s: %s; keeping the running configuration",
		     t->config.shown, why);
		notify_status("reload failed: %s", why);
		return;
	}
	if (strcmp(c.pidfile, t->cfg.pidfile) && !t->pidfile_given)
		tlog(t, "tune: PIDFILE changes at the next start; %s stays",
		     t->pidfile.shown);
	if (use_config(t, &c)) {
		tlog(t, "tune: out of memory; keeping the running configuration");
		return;
	}
	open_log(t);
	tlog(t, "tune: reloaded %s", t->config.shown);
}

static int daemon_loop(struct tuner *t, const sigset_t *set)
{
	long long next = 0, look = 0;
	bool ready = false;
	int status = EXIT_OK;

	for (;;) {
		bool tick = next && watching(t) && look < next;
		int sig = next ? ksm_wait_signal(set, tick ? look : next) : 0;

		if (!sig && tick) {
			look = ksm_now_ms() + WATCH_MS;
			if (!watch_tick(t))
				continue;
			if (chatty(t))
				tlog(t, "tune: ksmd's work changed: adjusting now");
		}
		if (sig == SIGTERM || sig == SIGINT) {
			tlog(t, "tune: %s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
			break;
		}
		if (sig == SIGHUP) {
			reload(t);
		} else if (sig == SIGUSR1) {
			if (chatty(t))
				tlog(t, "tune: SIGUSR1: adjusting now");
		}
		switch (cycle(t)) {
		case CYCLE_RETRY:
			next = ksm_now_ms() + (interval_ms(t) < LOCK_RETRY_MS ?
					   interval_ms(t) : LOCK_RETRY_MS);
			continue;
		case CYCLE_FATAL:
			if (!ready) {
				status = EXIT_FAIL;
				goto out;
			}
			break;
		default:
			break;
		}
		if (!ready) {
			notify("READY=1");
			ready = true;
		}
		next = ksm_now_ms() + interval_ms(t);
		look = ksm_now_ms() + WATCH_MS;
	}
out:
	notify("STOPPING=1");
	return status;
}

static int start_daemon(struct tuner *t, const struct ksm_sample *s)
{
	sigset_t set;
	int status;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* handled synchronously: a signal never interrupts a write */
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (open_pidfile(t))
		return EXIT_FAIL;
	open_log(t);
	ksm_tune_state_init(&t->st, s);
	ksm_tune_watch_init(&t->watch);
	tlog(t, "tune: started (pid %ld): %s%s, every %ld.%03ld s%s",
	     (long)getpid(), t->config.shown,
	     t->config_missing ? " (not found: the defaults)" : "",
	     interval_ms(t) / 1000, interval_ms(t) % 1000,
	     t->dry_run ? ", dry run" : "");
	drop_capabilities(t);
	status = daemon_loop(t, &set);
	if (!t->dry_run && !t->no_restore && t->cfg.restore_on_exit &&
	    restore(t) && status == EXIT_OK)
		status = EXIT_FAIL;
	close_pidfile(t);
	tlog(t, "tune: stopped");
	return status;
}

static int parse_options(struct tuner *t, int argc, char **argv, bool *retune_,
			 bool *show)
{
	int c;

	while ((c = ksm_getopt(&cmd_tune, argc, argv)) != -1) {
		switch (c) {
		case 'c':
			tpath_given(&t->config, optarg);
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
			tpath_given(&t->pidfile, optarg);
			t->pidfile_given = true;
			break;
		case OPT_RETUNE:
			*retune_ = true;
			break;
		case OPT_NO_RESTORE:
			t->no_restore = true;
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
				       argv[optind]);
	if (*retune_ && (t->once || t->dry_run || *show || t->interval_ms ||
			 t->no_restore))
		return ksm_usage_error(&cmd_tune, "--retune goes only with --pidfile, --config and --verbose");
	if (*show && (t->once || t->dry_run || t->interval_ms || t->no_restore))
		return ksm_usage_error(&cmd_tune, "--show-config goes only with --config");
	if (t->once && (t->interval_ms || t->no_restore || t->pidfile_given))
		return ksm_usage_error(&cmd_tune, "--once makes one adjustment: --interval, --pidfile and --no-restore go with the daemon");
	return 0;
}

static int tune_run(struct ksm_ctx *ctx, int argc, char **argv)
{
	struct tuner t = { .ctx = ctx, .pid_fd = -1 };
	bool do_retune = false, show = false;
	struct ksm_tune_config c;
	struct ksm_sample s;
	char why[1024];
	int status;

	tpath_default(&t.config, ctx, DEFAULT_CONFIG);
	tpath_default(&t.pidfile, ctx, DEFAULT_PIDFILE);
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
		tpath_given(&t.pidfile, c.pidfile);
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
	if (tune_sample(ctx->root, &s)) {
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
	if (t.once) {
		ksm_tune_state_init(&t.st, &s);
		ksm_tune_watch_init(&t.watch);
		switch (cycle(&t)) {
		case CYCLE_OK:
			status = EXIT_OK;
			break;
		case CYCLE_FATAL:
			status = t.plan_err == -ENOENT ? EXIT_UNAVAILABLE : EXIT_FAIL;
			break;
		default:
			status = EXIT_FAIL;
		}
		goto out;
	}
	status = start_daemon(&t, &s);
out:
	if (t.log)
		fclose(t.log);
	regfree(&t.re);
	ksm_committed_cache_free(&t.cache);
	return status;
}
