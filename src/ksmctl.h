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

/* Messages: "ksmctl: <object>: <what failed>: <why>", one line, stderr. */
__attribute__((format(printf, 1, 2))) void ksm_err(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void ksm_warn(const char *fmt, ...);
/* A usage error: the message, then the "Try ..." line; returns EXIT_USAGE. */
__attribute__((format(printf, 2, 3)))
int ksm_usage_error(const struct ksm_command *cmd, const char *fmt, ...);

/* Flush stdout at exit: a full disk or a closed pipe is a failure. */
int ksm_close_stdout(int status);

void ksm_print_help(const struct ksm_command *cmd, FILE *out);

/*
 * getopt_long over a command's table; handles -h/--help and unknown
 * options.  Returns the option, -1 at the end, or '?' after printing a
 * usage error.
 */
int ksm_getopt(const struct ksm_command *cmd, int argc, char **argv);

/*
 * Read a sample; on a kernel without KSM print the reason and return
 * EXIT_UNAVAILABLE, on other errors EXIT_FAIL.  0 on success.
 */
int ksm_ctx_sample(struct ksm_ctx *ctx, struct ksm_sample *s);

/* One line of advice for a failed write: "needs root", "read-only /sys". */
const char *ksm_write_hint(int err);

/* Parse a decimal count for an option; prints a usage error on failure. */
int ksm_parse_option_ull(const struct ksm_command *cmd, const char *option,
			 const char *text, unsigned long long max,
			 unsigned long long *out);

/* Seconds for an option, fractions allowed ("0.5"); usage error if bad. */
int ksm_parse_seconds(const struct ksm_command *cmd, const char *option,
		      const char *text, long *ms);

/* Run a transaction under the writers' lock and report it. */
struct ksm_txn_opts {
	bool dry_run;
	bool quiet;
	bool no_wait;
	bool unmerge;		/* unmerge first when a knob needs it */
	bool force;		/* unmerge even when memory looks short */
	long drain_timeout_ms;	/* 0: the default */
};
int ksm_run_txn(struct ksm_ctx *ctx, struct ksm_txn *t,
		const struct ksm_txn_opts *opts);
/*
 * The writers' shared options, as ksm_getopt() returned c: -n, -q,
 * --no-wait ('W'), --unmerge ('U'), --force ('f'), --timeout ('T').
 * 1 when c was one of them, 0 when not, -1 for a bad value (the usage
 * error is printed).
 */
int ksm_txn_getopt(const struct ksm_command *cmd, int c,
		   struct ksm_txn_opts *opts);

/* Raised by SIGINT/SIGTERM while a long write runs (ksm_catch_signals). */
extern volatile sig_atomic_t ksm_stop;
void ksm_catch_signals(void);

/* CLOCK_MONOTONIC in milliseconds. */
long long ksm_now_ms(void);
/*
 * For daemons that block their signals and take them between steps:
 * wait for one of set until deadline (ksm_now_ms()); 0 on timeout.
 */
int ksm_wait_signal(const sigset_t *set, long long deadline);

/* txnrun.c, for the unmerge flow */
void ksm_print_plan(const struct ksm_txn *t, bool dry_run);
void ksm_report_failure(const struct ksm_txn *t);
int ksm_take_lock(struct ksm_ctx *ctx, struct ksm_lock *lock, bool no_wait);

/* unmerge.c */
struct ksm_unmerge_opts {
	bool force, dry_run, quiet;
};
/*
 * Check memory, unmerge from a child with progress, report.  Returns 0
 * when everything was unmerged, else the exit status (and has said why
 * and what run now reads).
 */
int ksm_unmerge_checked(struct ksm_ctx *ctx, const struct ksm_sample *before,
			const struct ksm_unmerge_opts *o);
/* Unmerge, wait for the stable tree to drain, then apply t; run restored. */
int ksm_unmerge_then_apply(struct ksm_ctx *ctx, struct ksm_txn *t,
			   const struct ksm_sample *before,
			   const struct ksm_txn_opts *opts);
/* unmerge-all, also behind stop --unmerge. */
int ksm_unmerge_all(struct ksm_ctx *ctx, const struct ksm_unmerge_opts *o,
		    bool restart, bool no_wait);
/* Put run back to what it read before (2 counts as 0); report it. */
void ksm_restore_run(struct ksm_ctx *ctx, unsigned long long run);

#endif
