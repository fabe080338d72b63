/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One way to change KSM.  Every writer (set, start, stop, apply,
 * governor, unmerge-all, top's keys, tune and governor --follow) says
 * what it wants in a ksm_change_req and calls ksm_change(), which
 *
 *   1. takes the writers' lock (lib/lock.c) as the caller's policy says;
 *   2. reads a fresh sample under it: the plan must see the state it
 *      changes;
 *   3. checks that what the caller saw still holds (expect: top's
 *      confirmed question, a daemon's own last values) and lets the
 *      caller decide its values from that sample (a daemon's decision);
 *   4. plans the transaction (lib/txn.c: the kernel's rules, an order
 *      valid at every step);
 *   5. unmerges first when the policy says so and a change needs it, or
 *      when the change is an unmerge, after the memory check
 *      (lib/unmerge.c, in a child process);
 *   6. writes, reads back and restores on failure, and after an unmerge
 *      puts run back as it was;
 *
 * and returns a ksm_change_result: what was planned, written, read back
 * and restored, and why it stopped.  Nothing here prints: the command
 * layer's reporter (src/report.c) puts any result into words.
 */
#ifndef KSMCTL_CHANGE_H
#define KSMCTL_CHANGE_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "rootfs.h"
#include "sample.h"
#include "txn.h"
#include "unmerge.h"

/* How long KSM_LOCK_WAIT_BRIEFLY waits for the lock. */
#define KSM_LOCK_BRIEF_MS 10000
/* How long KSM_UNMERGE_FIRST waits for the stable tree to drain. */
#define KSM_DRAIN_TIMEOUT_MS 30000

/* The writers' lock policies; each writer picks one. */
enum ksm_lock_policy {
	/* wait as long as it takes (hooks->waiting is told first): commands */
	KSM_LOCK_WAIT,
	/* busy: stop at once with KSM_CHANGE_BUSY: --no-wait, top's keys,
	 * a daemon's cycle (which tries again soon) */
	KSM_LOCK_FAIL,
	/* wait up to KSM_LOCK_BRIEF_MS, then KSM_CHANGE_BUSY: a daemon
	 * putting its knobs back as it exits */
	KSM_LOCK_WAIT_BRIEFLY,
};

enum ksm_unmerge_policy {
	/* a change that needs an unmerge is refused (-EBUSY in the plan) */
	KSM_UNMERGE_REFUSE,
	/* unmerge first where a change needs it (merge_across_nodes,
	 * max_page_sharing), wait for the stable tree to drain, write, and
	 * put run back as it was */
	KSM_UNMERGE_FIRST,
	/* the change is an unmerge (run=2); the txn's values, if any, are
	 * written after it (run=1 starts ksmd again) */
	KSM_UNMERGE_ALL,
};

/* Why ksm_change() stopped. */
enum ksm_change_end {
	KSM_CHANGE_DONE,		/* written and read back (or nothing to do) */
	KSM_CHANGE_DRY_RUN,		/* planned (and estimated); nothing written */
	KSM_CHANGE_BUSY,		/* another writer holds the lock: holder */
	KSM_CHANGE_LOCK_FAILED,		/* the lock cannot be taken: err */
	KSM_CHANGE_UNREADABLE,		/* the sample: err (-ENOENT: no KSM) */
	KSM_CHANGE_MOVED,		/* an expected value changed: moved */
	KSM_CHANGE_DECLINED,		/* hooks->decide said no: err */
	KSM_CHANGE_REFUSED,		/* the plan refused: culprit, why, err */
	KSM_CHANGE_NO_ROOM,		/* the unmerge does not fit: estimate */
	KSM_CHANGE_UNMERGE_FAILED,	/* the unmerge: unmerge (or err) */
	KSM_CHANGE_NOT_DRAINED,		/* the stable tree stayed: err, after */
	KSM_CHANGE_WRITE_FAILED,	/* a write: txn's steps say what holds */
};

struct ksm_change_result;

struct ksm_change_hooks {
	/* The lock is busy and the policy waits for holder (0: unknown). */
	void (*waiting)(pid_t holder, void *data);
	/* The unmerge starts now; r holds the sample and the estimate. */
	void (*unmerging)(const struct ksm_change_result *r, void *data);
	/* About ten times a second while the unmerge runs. */
	ksm_unmerge_progress_fn progress;
	/*
	 * Under the lock, with the fresh sample: add the values to txn (a
	 * daemon's decision).  0, or -errno to stop (KSM_CHANGE_DECLINED;
	 * the caller keeps its own reason).
	 */
	int (*decide)(const struct ksm_sample *now, struct ksm_txn *txn,
		      void *data);
	void *data;
};

/* A value that must still hold under the lock, or nothing is written. */
struct ksm_expect {
	enum ksm_knob_id id;
	struct ksm_value value;
};

#define KSM_EXPECT_MAX 8

struct ksm_change_req {
	/* The values, with the txn's flags and dirs; NULL: none. */
	const struct ksm_txn *txn;
	enum ksm_lock_policy lock;
	enum ksm_unmerge_policy unmerge;
	bool dry_run;		/* plan and estimate, take no lock, write nothing */
	bool force;		/* unmerge even when the memory check fails */
	long drain_timeout_ms;	/* 0: KSM_DRAIN_TIMEOUT_MS */
	/* read the knobs again afterwards, for what the kernel changed */
	bool side_effects;
	/* read only these knobs (a daemon's cycle); NULL: a full sample */
	bool (*sample_only)(enum ksm_knob_id id);
	const struct ksm_expect *expect;
	int nexpect;
	/* raised by the caller's signal handler: the unmerge is stopped */
	volatile sig_atomic_t *stop;
	const struct ksm_change_hooks *hooks;	/* may be NULL */
};

struct ksm_change_result {
	enum ksm_change_end end;
	int err;			/* -errno, where the end has one */
	pid_t holder;			/* KSM_CHANGE_BUSY: 0 when unknown */
	struct ksm_sample before;	/* read under the lock */
	/* The transaction planned and applied (after an unmerge first: the
	 * one written then, with run put back in it). */
	struct ksm_txn txn;
	const struct ksm_knob *culprit;	/* KSM_CHANGE_REFUSED */
	struct ksm_refusal why;		/* KSM_CHANGE_REFUSED */
	int moved;			/* KSM_CHANGE_MOVED: index into expect */
	/* The unmerge, when one was due. */
	bool unmerge_due;
	struct ksm_unmerge_estimate estimate;
	bool unmerged;			/* the writer child ran: unmerge */
	struct ksm_unmerge_result unmerge;
	/* After an unmerge (or with side_effects): the state read at the end. */
	struct ksm_sample after;
	int after_err;			/* 0, or why after could not be read */
	bool have_after;
	/* KSM_UNMERGE_FIRST: run put back to run_was after a failure or as
	 * part of the last transaction: 1 written, 0 not needed, -errno. */
	unsigned long long run_was;
	int run_restored;
	struct ksm_refusal run_why;	/* why run could not be put back */
};

/*
 * Change KSM as req says; res says what happened.  Returns 0 when the
 * change was made (or planned, with dry_run), else the error of res->end
 * (res->err, or -EBUSY, -EAGAIN ...).
 */
int ksm_change(const struct ksm_root *root, const struct ksm_change_req *req,
	       struct ksm_change_result *res);

/* Pages the unmerge broke: what was merged before less what is left. */
unsigned long long ksm_change_unmerged_pages(const struct ksm_change_result *r);

#endif
