/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command layer: each command parses its options, calls src/lib and
 * prints.  Only this layer prints or decides exit codes.
 */
#ifndef KSMCTL_H
#define KSMCTL_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "lib/knobs.h"
#include "lib/lock.h"
#include "lib/rootfs.h"
#include "lib/sample.h"
#include "lib/txn.h"

#define PROGRAM "ksmctl"

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_UNAVAILABLE = 3,	/* no KSM, or the feature, on this kernel */
};

struct ksm_ctx {
	const char *sysroot;
	struct ksm_root *root;
};

struct ksm_command {
	const char *name;
	const char *summary;
	/* Printed by --help: synopsis, then options, one per line. */
	const char *usage;
	/* Printed by --help after usage, when set: help made from a table
	 * (the columns of ps). */
	void (*usage_more)(FILE *out);
	const char *shortopts;
	const struct option *longopts;
	int (*run)(struct ksm_ctx *ctx, int argc, char **argv);
};

extern const struct ksm_command *const ksm_commands[];
const struct ksm_command *ksm_command_find(const char *name);

/*
 * Messages (src/messages.c): "ksmctl: <object>: <what failed>: <why>",
 * one line, stderr.  An error and a warning differ in their priority
 * (LOG_ERR, LOG_WARNING) where stderr goes to the journal.
 */
__attribute__((format(printf, 1, 2))) void ksm_err(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void ksm_warn(const char *fmt, ...);
/* The same at any syslog priority (a daemon's notices and info lines). */
__attribute__((format(printf, 2, 3))) void ksm_log(int priority, const char *fmt, ...);
/*
 * Text from outside (an option's argument, a name, a path) as a message
 * shows it: ksm_escape()d, cut at 1 KiB.  One of four buffers, in turn:
 * up to four in one message.
 */
const char *ksm_shown(const char *text);
/* A usage error: the message, then the "Try ..." line; returns EXIT_USAGE. */
__attribute__((format(printf, 2, 3)))
int ksm_usage_error(const struct ksm_command *cmd, const char *fmt, ...);

/* Flush stdout at exit: a full disk or a closed pipe is a failure. */
int ksm_close_stdout(int status);

/* One line of advice for a failed write: "needs root", "read-only /sys". */
const char *ksm_write_hint(int err);

/* ---- options (src/options.c) -------------------------------------------- */

void ksm_print_help(const struct ksm_command *cmd, FILE *out);

/*
 * getopt_long over a command's table; handles -h/--help and unknown
 * options.  Returns the option, -1 at the end, or '?' after printing a
 * usage error.
 */
int ksm_getopt(const struct ksm_command *cmd, int argc, char **argv);

/* Parse a decimal count for an option; prints a usage error on failure. */
int ksm_parse_option_ull(const struct ksm_command *cmd, const char *option,
			 const char *text, unsigned long long max,
			 unsigned long long *out);

/* Seconds for an option, fractions allowed ("0.5"); usage error if bad. */
int ksm_parse_seconds(const struct ksm_command *cmd, const char *option,
		      const char *text, long *ms);

/* The writers' options; src/report.c's ksm_change_cli() takes them. */
struct ksm_txn_opts {
	bool dry_run;
	bool quiet;
	bool no_wait;
	bool unmerge;		/* unmerge first when a knob needs it */
	bool unmerge_all;	/* the change is an unmerge (unmerge-all) */
	bool force;		/* unmerge even when memory looks short */
	long drain_timeout_ms;	/* 0: the default */
};
/*
 * The writers' shared options, as ksm_getopt() returned c: -n, -q,
 * --no-wait ('W'), --unmerge ('U'), --force ('f'), --timeout ('T').
 * 1 when c was one of them, 0 when not, -1 for a bad value (the usage
 * error is printed).
 */
int ksm_txn_getopt(const struct ksm_command *cmd, int c,
		   struct ksm_txn_opts *opts);

/* ---- signals and time (src/signals.c) ----------------------------------- */

/* Raised by SIGINT/SIGTERM/SIGHUP while a long write runs. */
extern volatile sig_atomic_t ksm_stop;
void ksm_catch_signals(void);

/* CLOCK_MONOTONIC in milliseconds. */
long long ksm_now_ms(void);
/*
 * For daemons that block their signals and take them between steps:
 * wait for one of set until deadline (ksm_now_ms()); 0 on timeout.
 */
int ksm_wait_signal(const sigset_t *set, long long deadline);

#endif
