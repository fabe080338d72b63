/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ksmctl top's live state (src/toplive.c): what one refresh reads, the
 * frame input it gives lib/topframe.c, and the admin keys' actions.  The
 * screen (src/top.c) and the command (src/commands/top.c) both use it.
 */
#ifndef KSMCTL_TOPLIVE_H
#define KSMCTL_TOPLIVE_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "ksmctl.h"
#include "lib/livescan.h"
#include "lib/procs.h"
#include "lib/sample.h"
#include "lib/unmerge.h"
#include "topview.h"

struct top_opts {
	long delay_ms;
	unsigned long long iterations;	/* 0: until quit */
	bool batch;
	enum ksm_group_by by;
	const char *sort_name;
	int *pids;
	size_t npids, pids_cap;
};

/* The process shown in detail (Enter): read again at every refresh. */
struct top_detail {
	int pid;			/* 0: none shown */
	struct ksm_procs procs;		/* it alone, with every name */
	bool have_procs;
	int err;			/* reading it: -ESRCH gone... */
	struct ksm_areas areas;		/* its mergeable areas */
	int areas_err;
};

/* Everything one refresh reads, and what the user chose. */
struct top {
	struct ksm_ctx *ctx;
	struct top_opts o;
	struct ksm_sample sample[2];
	int cur;			/* sample[cur] is the latest */
	bool have_prev;			/* sample[!cur] is the one before */
	struct ksm_procs procs;
	bool have_procs;
	size_t procs_total;
	struct ksm_live live;
	struct timespec listed_at;	/* when /proc was last listed */
	bool relist;			/* list /proc at the next refresh */
	struct ksm_history hist;
	pid_t ksmd;			/* < 0: not found */
	unsigned long long ksmd_ns[2];
	bool ksmd_ok[2];
	struct ksm_view view;
	unsigned long long refreshes;
	struct top_detail detail;
};

/*
 * Read the counters, ksmd's CPU time and the processes once.  0, or an
 * exit status.  The first refresh (before any screen) prints why, as
 * every command does; later ones leave the message to top_error(), for
 * the screen to print once the terminal is restored.
 */
int top_refresh(struct top *t);
/* Why the last top_refresh() failed, as one message line. */
const char *top_error(void);

/* The frame input for the current state (width/height 0: batch). */
void top_frame_input(const struct top *t, bool utf8, int width, int height,
		     struct ksm_frame_input *in);

/*
 * Show process pid in detail: read its figures, names and mergeable
 * areas now, and at every refresh until top_detail_close().  What
 * could not be read is in t->detail (the view says why).  0 or -ENOMEM.
 */
int top_detail_open(struct top *t, int pid);
void top_detail_close(struct top *t);
/* The detail's input for lib/topview (system: where its share is read
 * against, filled here). */
void top_detail_input(const struct top *t, bool utf8, int width,
		      struct ksm_procstat *system, struct ksm_detail_input *in);

/* ---- the admin keys ---------------------------------------------------- */

enum top_action {
	TOP_ACT_RUN,		/* r: start or stop ksmd */
	TOP_ACT_PAGES_UP,	/* + */
	TOP_ACT_PAGES_DOWN,	/* - */
	TOP_ACT_UNMERGE,	/* u */
};

struct top_pending {
	enum top_action act;
	struct ksm_value from, to;	/* run, pages_to_scan */
	char question[256];
};

/*
 * Check an action against the latest sample, as `set` would, before
 * asking.  0 with p->question to confirm; or -errno with the refusal in
 * msg (the transaction planner's words).
 */
int top_action_prepare(struct top *t, enum top_action act,
		       struct top_pending *p, char *msg, size_t size);

/*
 * Do it: the writers' lock (not waited for: busy is reported), a fresh
 * sample checked against what was confirmed, the transaction (or, for
 * an unmerge, the memory check and the writer child, with progress and
 * *stop as in ksm_unmerge_run()).  0 or -errno; what happened in msg.
 */
int top_action_apply(struct top *t, const struct top_pending *p,
		     ksm_unmerge_progress_fn progress, void *data,
		     volatile sig_atomic_t *stop, char *msg, size_t size);

/* Does the locale (LC_CTYPE) use UTF-8? */
bool top_utf8_locale(void);

/* Set up t's scan and history and find ksmd; free what they hold. */
void top_live_init(struct top *t, struct ksm_ctx *ctx);
void top_live_free(struct top *t);

#endif
