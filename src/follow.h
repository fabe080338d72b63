/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ksmctl governor --follow: hold ksmd at a CPU budget by measuring it
 * (src/lib/pacer.h), for kernels that cannot hold one themselves.  A
 * daemon of src/daemon.c: this is its decision.
 */
#ifndef KSMCTL_FOLLOW_H
#define KSMCTL_FOLLOW_H

#include <stdbool.h>
#include <sys/types.h>

#include "ksmctl.h"

#define GOV_FOLLOW_PIDFILE "run/ksmctl-governor.pid"

struct gov_follow_args {
	unsigned int budget;		/* % of one CPU */
	const char *preset;		/* or NULL */
	double cost_ns;			/* first guess of the cost per page */
	long interval_ms;
	bool quiet;
};

/* Run until SIGTERM/SIGINT/SIGHUP; returns the exit status. */
int gov_follow(struct ksm_ctx *ctx, const struct gov_follow_args *fa);

/* What a running follower says of itself (its pid file). */
struct gov_follow_state {
	pid_t pid;
	unsigned int budget;
	char preset[16];		/* "" for a custom budget */
	char activity[16];		/* "working", "idle", "waiting" */
	double measured;		/* ksmd's share (%), -1 unknown */
};

/* 0 when a follower runs (state filled), -ENOENT when none. */
int gov_follow_running(const struct ksm_ctx *ctx, struct gov_follow_state *st);

#endif
