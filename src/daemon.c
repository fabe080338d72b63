// SPDX-License-Identifier: GPL-2.0-or-later
/* The one daemon loop: see daemon.h. */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/escape.h"
#include "report.h"

/* A busy lock (another ksmctl writing): try again this soon. */
#define SOON_MS 1000
/* The restore at exit: this many passes (advisor_mode's reset). */
#define RESTORE_PASSES 2

/* ---- paths -------------------------------------------------------------- */

void ksm_path_default(struct ksm_path *p, const struct ksm_ctx *ctx,
		      const char *rel)
{
	const char *root = ctx->sysroot;
	size_t len = strlen(root);

	p->dirfd = ksm_root_fd(ctx->root);
	p->is_default = true;
	snprintf(p->rel, sizeof(p->rel), "%s", rel);
	while (len && root[len - 1] == '/')
		len--;
	snprintf(p->shown, sizeof(p->shown), "%.*s/%s", (int)len, root, rel);
	/* the sysroot is the user's text: shown escaped, as a given path */
	{
		char raw[sizeof(p->shown)];

		snprintf(raw, sizeof(raw), "%s", p->shown);
		ksm_escape(raw, p->shown, sizeof(p->shown));
	}
}

void ksm_path_given(struct ksm_path *p, const char *path)
{
	p->dirfd = AT_FDCWD;
	p->is_default = false;
	snprintf(p->rel, sizeof(p->rel), "%s", path);
	ksm_escape(path, p->shown, sizeof(p->shown));
}

/* ---- the log -------------------------------------------------------------- */

static void log_to_file(struct ksm_daemon *d, const char *msg)
{
	char stamp[64];
	struct tm tm;
	time_t now;

	if (!d->log)
		return;
	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S%z", &tm);
	fprintf(d->log, "%s ksmctl %s[%ld]: %s\n", stamp, d->ops->name,
		(long)getpid(), msg);
	fflush(d->log);
}

void ksm_daemon_log(struct ksm_daemon *d, int priority, const char *fmt, ...)
{
	char raw[sizeof(d->last_error)], msg[sizeof(d->last_error)];
	va_list ap;

	if (d->quiet && priority >= LOG_NOTICE)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* the log file too: no control byte of a part that was not escaped */
	ksm_escape_controls(raw, msg, sizeof(msg));
	/* the same error every step is said once, until it changes */
	if (priority <= LOG_ERR) {
		if (!d->verbose && !strcmp(msg, d->last_error))
			return;
		snprintf(d->last_error, sizeof(d->last_error), "%s", msg);
	}
	ksm_log(priority, "%s", msg);
	log_to_file(d, msg);
}

void ksm_daemon_open_log(struct ksm_daemon *d, const char *path)
{
	if (!strcmp(d->log_path, path) && (d->log || !path[0]))
		return;
	ksm_daemon_close_log(d);
	snprintf(d->log_path, sizeof(d->log_path), "%s", path);
	if (!path[0])
		return;
	d->log = fopen(path, "ae");
	if (!d->log) {
		char shown[600];

		ksm_escape(path, shown, sizeof(shown));
		ksm_warn("%s: cannot open LOGFILE: %s; logging to stderr only",
			 shown, strerror(errno));
	}
}

void ksm_daemon_close_log(struct ksm_daemon *d)
{
	if (d->log)
		fclose(d->log);
	d->log = NULL;
}

/* The reporter's lines go to the daemon's log. */
static void log_info(void *data, const char *line)
{
	ksm_daemon_log(data, LOG_INFO, "%s", line);
}

static void log_error(void *data, const char *line)
{
	ksm_daemon_log(data, LOG_ERR, "%s", line);
}

/* ---- sd_notify ------------------------------------------------------------ */

void ksm_notify(const char *fmt, ...)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char msg[600];
	va_list ap;
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
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0) {
		/* systemd gone or not listening: nothing to tell */
	}
	close(fd);
}

/* ---- the pid file ------------------------------------------------------- */

static pid_t parse_pid(const char *text)
{
	char *end;
	long pid;

	errno = 0;
	pid = strtol(text, &end, 10);
	if (errno || end == text || (*end && *end != '\n') || pid <= 0 ||
	    pid > INT_MAX)
		return 0;
	return (pid_t)pid;
}

int ksm_pidfile_running(const struct ksm_path *p, pid_t *pid, char *state,
			size_t size)
{
	char buf[1024];
	const char *nl;
	ssize_t n;
	int fd, locked;

	fd = openat(p->dirfd, p->rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	/* held by a live daemon: a stale file is not locked */
	locked = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	n = locked ? pread(fd, buf, sizeof(buf) - 1, 0) : -1;
	close(fd);
	if (!locked)
		return -ENOENT;
	if (n <= 0)
		return -ENODATA;
	buf[n] = '\0';
	nl = strchr(buf, '\n');
	if (state)
		snprintf(state, size, "%s", nl ? nl + 1 : "");
	if (nl)
		buf[nl - buf] = '\0';
	*pid = parse_pid(buf);
	return *pid ? 0 : -ENODATA;
}

void ksm_daemon_update_state(struct ksm_daemon *d)
{
	char buf[1024], state[900] = "";
	int len;

	if (d->pid_fd < 0)
		return;
	if (d->ops->state)
		d->ops->state(d, state, sizeof(state));
	len = snprintf(buf, sizeof(buf), "%ld\n%s", (long)getpid(), state);
	if (ftruncate(d->pid_fd, 0) < 0 || pwrite(d->pid_fd, buf, (size_t)len, 0) != len)
		ksm_daemon_log(d, LOG_WARNING, "%s: cannot write the pid file: %s",
			       d->pidfile.shown, strerror(errno));
}

/* Create and lock the pid file for the daemon's lifetime. */
static int open_pidfile(struct ksm_daemon *d)
{
	const int flags = O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW;
	struct ksm_path *p = &d->pidfile;
	pid_t pid = 0;
	int fd;

	fd = openat(p->dirfd, p->rel, flags, 0644);
	if (fd < 0 && errno == ENOENT && p->is_default &&
	    (mkdirat(p->dirfd, "run", 0755) == 0 || errno == EEXIST))
		fd = openat(p->dirfd, p->rel, flags, 0644);	/* a fixture's root */
	if (fd < 0) {
		ksm_err("%s: cannot create the pid file: %s%s", p->shown,
			strerror(errno), ksm_write_hint(-errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		if (ksm_pidfile_running(p, &pid, NULL, 0))
			pid = 0;
		d->ops->already_running(d, pid);
		return -1;
	}
	d->pid_fd = fd;
	ksm_daemon_update_state(d);
	return 0;
}

static void close_pidfile(struct ksm_daemon *d)
{
	if (d->pid_fd < 0)
		return;
	/* unlink while holding the lock: nobody sees a stale file */
	unlinkat(d->pidfile.dirfd, d->pidfile.rel, 0);
	close(d->pid_fd);
	d->pid_fd = -1;
}

/* ---- the knobs it owns -------------------------------------------------- */

int ksm_daemon_change(struct ksm_daemon *d, struct ksm_change_req *req,
		      struct ksm_change_result *res)
{
	const struct ksm_report_sink sink = { log_info, log_error, d };
	struct ksm_report_opts o = {
		.quiet = true, .sink = &sink, .prefix = d->ops->prefix,
	};
	int err;

	err = ksm_change(d->ctx->root, req, res);
	if (res->end == KSM_CHANGE_DONE && d->owned)
		ksm_owned_wrote(d->owned, &res->txn);
	/* busy and the caller's own refusals are the caller's to word */
	if (err && res->end != KSM_CHANGE_BUSY && res->end != KSM_CHANGE_DECLINED)
		ksm_report(d->ctx, req, res, &o);
	return err;
}

bool ksm_daemon_moved(struct ksm_daemon *d, const struct ksm_sample *s)
{
	int id = d->owned ? ksm_owned_moved(d->owned, s) : -1;
	char seen[64];

	if (id < 0)
		return false;
	ksm_knob_format(&ksm_knobs[id], &s->v[id], seen, sizeof(seen));
	ksm_daemon_log(d, LOG_ERR, "%s: %s was changed to %s by someone else: stopping, the knobs are left as they are",
		       d->ops->name, ksm_knobs[id].name, seen);
	memset(d->owned->owned, 0, sizeof(d->owned->owned));
	return true;
}

struct restore_ctx {
	struct ksm_daemon *d;
	int pass;
	int count;
};

/* The restore's decision, under the lock: what still holds our values. */
static int decide_restore(const struct ksm_sample *now, struct ksm_txn *t,
			  void *data)
{
	struct restore_ctx *rc = data;
	char note[512];

	rc->count = ksm_owned_restore(rc->d->owned, now, rc->d->ops->owner, t,
				      note, sizeof(note));
	if (note[0] && rc->pass == 0)
		ksm_daemon_log(rc->d, LOG_WARNING, "%s: %s", rc->d->ops->name, note);
	return 0;
}

/* Put back what the daemon changed; 0, or -errno (said why). */
static int restore(struct ksm_daemon *d)
{
	struct ksm_change_result *res;
	struct restore_ctx rc = { .d = d };
	struct ksm_change_hooks hooks = { .decide = decide_restore, .data = &rc };
	struct ksm_change_req req = { .lock = KSM_LOCK_WAIT_BRIEFLY, .hooks = &hooks };
	char changes[512];
	int err = 0;

	if (!d->owned || !ksm_owned_any(d->owned))
		return 0;
	res = malloc(sizeof(*res));
	if (!res)
		return -ENOMEM;
	for (rc.pass = 0; rc.pass < RESTORE_PASSES && !err; rc.pass++) {
		err = ksm_daemon_change(d, &req, res);
		if (res->end == KSM_CHANGE_BUSY)
			ksm_daemon_log(d, LOG_ERR, "%s: cannot take the lock to restore the knobs: another ksmctl holds it",
				       KSM_LOCK_PATH);
		if (err || !rc.count)
			break;
		ksm_report_changes(&res->txn, changes, sizeof(changes));
		ksm_daemon_log(d, LOG_NOTICE, "%s: restored %s", d->ops->name, changes);
	}
	free(res);
	return err;
}

/* ---- the loop ----------------------------------------------------------- */

static long look_ms(const struct ksm_daemon *d)
{
	return d->ops->look_ms && d->ops->look ? d->ops->look_ms(d) : 0;
}

static bool stops(const struct ksm_daemon *d, int sig)
{
	return sig == SIGTERM || sig == SIGINT || (sig == SIGHUP && !d->ops->reload);
}

static void loop(struct ksm_daemon *d, const sigset_t *set)
{
	long long next = 0, look = 0;

	for (;;) {
		long every = look_ms(d);
		bool tick = next && every > 0 && look < next;
		int sig = next ? ksm_wait_signal(set, tick ? look : next) : 0;

		if (!sig && tick) {
			look = ksm_now_ms() + every;
			if (!d->ops->look(d))
				continue;
		}
		if (stops(d, sig)) {
			d->stopped_by = sig;
			return;
		}
		if (sig == SIGHUP)
			d->ops->reload(d);
		switch (d->ops->step(d, sig)) {
		case KSM_DAEMON_SOON: {
			long interval = d->ops->interval_ms(d);

			next = ksm_now_ms() + (interval < SOON_MS ? interval : SOON_MS);
			continue;
		}
		case KSM_DAEMON_STOP:
			return;
		case KSM_DAEMON_GO_ON:
			break;
		}
		if (!d->ready) {
			ksm_notify("READY=1");
			d->ready = true;
		}
		next = ksm_now_ms() + d->ops->interval_ms(d);
		look = ksm_now_ms() + look_ms(d);
	}
}

void ksm_daemon_init(struct ksm_daemon *d, struct ksm_ctx *ctx,
		     const struct ksm_daemon_ops *ops, void *self)
{
	memset(d, 0, sizeof(*d));
	d->ctx = ctx;
	d->ops = ops;
	d->self = self;
	d->pid_fd = -1;
	d->restore = true;
}

int ksm_daemon_run(struct ksm_daemon *d)
{
	sigset_t set, old;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* taken synchronously, between steps: a signal never interrupts a write */
	sigprocmask(SIG_BLOCK, &set, &old);
	if (open_pidfile(d)) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return EXIT_FAIL;
	}
	d->status = EXIT_OK;
	loop(d, &set);
	ksm_notify("STOPPING=1");
	if (d->stopped_by)
		ksm_daemon_log(d, LOG_NOTICE, "%s: SIG%s: stopping", d->ops->name,
			       sigabbrev_np(d->stopped_by));
	if (d->restore && !d->dry_run && restore(d) && d->status == EXIT_OK)
		d->status = EXIT_FAIL;
	close_pidfile(d);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return d->status;
}
