/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one daemon loop, for `ksmctl tune` and `ksmctl governor --follow`.
 * Each daemon supplies its step (its decision, and the writes it makes
 * through ksm_daemon_change()); this file does the rest:
 *   - the pid file, locked while the daemon runs (the lock says
 *     "running" more reliably than a pid the kernel may reuse), holding
 *     the pid and the daemon's own state lines, which `ksmctl governor`
 *     and `tune --retune` read back;
 *   - signals, blocked and taken between steps so that none interrupts a
 *     write: SIGTERM and SIGINT stop, SIGHUP reloads (or stops, for a
 *     daemon with nothing to reload), SIGUSR1 asks for a step now;
 *   - sd_notify: READY=1 after the first step, STATUS=, STOPPING=1;
 *   - the interval loop, with an optional quick look between steps;
 *   - the log: stderr with syslog priorities for the journal, and a
 *     LOGFILE when the daemon has one;
 *   - the knobs it owns (lib/owned.h): what it changed, whether someone
 *     else moved them since, and putting them back at exit through the
 *     one change path.
 */
#ifndef KSMCTL_DAEMON_H
#define KSMCTL_DAEMON_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include <syslog.h>

#include "ksmctl.h"
#include "lib/change.h"
#include "lib/owned.h"

/* A file named by the user (as given) or a default below the sysroot. */
struct ksm_path {
	int dirfd;			/* AT_FDCWD, or the sysroot's */
	char rel[PATH_MAX];
	char shown[512];		/* for messages */
	bool is_default;
};

void ksm_path_default(struct ksm_path *p, const struct ksm_ctx *ctx,
		      const char *rel);
void ksm_path_given(struct ksm_path *p, const char *path);

/*
 * The daemon that holds the pid file at p: 0 and its pid and the state
 * lines after the pid (may be NULL); -ENOENT when none runs (no file, or
 * a stale one nobody holds), -ENODATA when it holds no pid, -errno.
 */
int ksm_pidfile_running(const struct ksm_path *p, pid_t *pid, char *state,
			size_t size);

/* sd_notify(3): one datagram to $NOTIFY_SOCKET, when there is one. */
__attribute__((format(printf, 1, 2))) void ksm_notify(const char *fmt, ...);

enum ksm_daemon_next {
	KSM_DAEMON_GO_ON,	/* the next step after the interval */
	KSM_DAEMON_SOON,	/* again within a second (the lock was busy) */
	KSM_DAEMON_STOP,	/* stop with d->status */
};

struct ksm_daemon;

struct ksm_daemon_ops {
	const char *name;	/* its messages: "NAME: ..." */
	const char *owner;	/* "changed outside the OWNER" */
	/* before the change path's refusals ("governor: --follow: "); NULL: none */
	const char *prefix;
	/* One step; sig is SIGUSR1 when asked for one now, else 0. */
	enum ksm_daemon_next (*step)(struct ksm_daemon *d, int sig);
	long (*interval_ms)(const struct ksm_daemon *d);
	/* Between steps every look_ms() (0: not now): true to step now. */
	long (*look_ms)(const struct ksm_daemon *d);
	bool (*look)(struct ksm_daemon *d);
	/* SIGHUP; NULL: SIGHUP stops the daemon as SIGTERM does. */
	void (*reload)(struct ksm_daemon *d);
	/* The pid file is held by another one (pid 0: unknown). */
	void (*already_running)(const struct ksm_daemon *d, pid_t pid);
	/* The state lines after the pid ("KEY=value\n"); NULL: none. */
	void (*state)(const struct ksm_daemon *d, char *buf, size_t size);
};

struct ksm_daemon {
	struct ksm_ctx *ctx;
	const struct ksm_daemon_ops *ops;
	void *self;			/* the daemon's own state */
	struct ksm_path pidfile;
	int pid_fd;
	struct ksm_owned *owned;	/* the knobs it owns: in self */
	bool restore;			/* put them back at exit */
	bool dry_run;			/* write nothing */
	bool quiet;			/* errors and warnings only */
	bool verbose;			/* say a repeated error every time */
	/* The last error logged: said once until it changes (or until the
	 * daemon clears it after a step that went well). */
	char last_error[1024];
	FILE *log;			/* LOGFILE, or NULL */
	char log_path[PATH_MAX];
	int status;			/* the exit status of a STOP */
	bool ready;			/* a step went through: READY=1 was sent */
	int stopped_by;			/* the signal that stopped it, or 0 */
};

/* Zero d, and set what every daemon has. */
void ksm_daemon_init(struct ksm_daemon *d, struct ksm_ctx *ctx,
		     const struct ksm_daemon_ops *ops, void *self);

/* Run until a signal or a step stops it; returns the exit status. */
int ksm_daemon_run(struct ksm_daemon *d);

/* A line of the daemon's log at priority (LOG_ERR ... LOG_DEBUG). */
__attribute__((format(printf, 3, 4)))
void ksm_daemon_log(struct ksm_daemon *d, int priority, const char *fmt, ...);

/* Log to path too ("" for none); said on the daemon's log if it fails. */
void ksm_daemon_open_log(struct ksm_daemon *d, const char *path);
void ksm_daemon_close_log(struct ksm_daemon *d);

/* Write the pid file's state lines again (the daemon's state changed). */
void ksm_daemon_update_state(struct ksm_daemon *d);

/*
 * Change KSM as the daemon (req's lock policy, dry run and the rest are
 * the caller's): what is written becomes the daemon's own (d->owned);
 * failures are reported on its log, prefixed with its name.  Returns
 * what ksm_change() returns.
 */
int ksm_daemon_change(struct ksm_daemon *d, struct ksm_change_req *req,
		      struct ksm_change_result *res);

/*
 * Has someone else changed a knob the daemon owns (as s reads)?  Then
 * say so, disown the knobs (the restore leaves them as the other writer
 * set them) and return true.
 */
bool ksm_daemon_moved(struct ksm_daemon *d, const struct ksm_sample *s);

#endif
