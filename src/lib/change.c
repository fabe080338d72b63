// SPDX-License-Identifier: GPL-2.0-or-later
/* One way to change KSM: see change.h for the steps. */
#include "change.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lock.h"

#define LOCK_RETRY_NS (100 * 1000 * 1000L)

static const struct ksm_change_hooks no_hooks;

static const struct ksm_change_hooks *hooks_of(const struct ksm_change_req *req)
{
	return req->hooks ? req->hooks : &no_hooks;
}

/* Stop with end and err; returns err for the caller to return. */
static int stop(struct ksm_change_result *res, enum ksm_change_end end, int err)
{
	res->end = end;
	res->err = err;
	return err;
}

/* ---- 1. the lock ------------------------------------------------------- */

static int wait_briefly(const struct ksm_root *root, struct ksm_lock *lock)
{
	struct timespec pause = { 0, LOCK_RETRY_NS };
	int err = -EWOULDBLOCK;

	for (long waited = 0; err == -EWOULDBLOCK && waited < KSM_LOCK_BRIEF_MS;
	     waited += LOCK_RETRY_NS / 1000000) {
		nanosleep(&pause, NULL);
		err = ksm_lock_take(root, lock, false, NULL);
	}
	return err;
}

static int take_lock(const struct ksm_root *root, const struct ksm_change_req *req,
		     struct ksm_lock *lock, struct ksm_change_result *res)
{
	const struct ksm_change_hooks *h = hooks_of(req);
	int err = ksm_lock_take(root, lock, false, &res->holder);

	if (err == -EWOULDBLOCK && req->lock == KSM_LOCK_WAIT) {
		if (h->waiting)
			h->waiting(res->holder, h->data);
		err = ksm_lock_take(root, lock, true, NULL);
	} else if (err == -EWOULDBLOCK && req->lock == KSM_LOCK_WAIT_BRIEFLY) {
		err = wait_briefly(root, lock);
	}
	if (err == -EWOULDBLOCK)
		return stop(res, KSM_CHANGE_BUSY, err);
	if (err)
		return stop(res, KSM_CHANGE_LOCK_FAILED, err);
	return 0;
}

/* ---- 2, 3. the state and the caller's view of it --------------------- */

static int read_state(const struct ksm_root *root, const struct ksm_change_req *req,
		      struct ksm_sample *s)
{
	return req->sample_only ? ksm_sample_read_only(root, req->sample_only, s) :
				  ksm_sample_read(root, s);
}

static int check_expected(const struct ksm_change_req *req,
			  struct ksm_change_result *res)
{
	for (int i = 0; i < req->nexpect; i++) {
		enum ksm_knob_id id = req->expect[i].id;

		if (res->before.v[id].err ||
		    !ksm_value_equal(&ksm_knobs[id], &res->before.v[id],
				     &req->expect[i].value)) {
			res->moved = i;
			return stop(res, KSM_CHANGE_MOVED, -EAGAIN);
		}
	}
	return 0;
}

/* ---- 4. the plan ----------------------------------------------------- */

static int plan(const struct ksm_root *root, struct ksm_txn *t,
		const struct ksm_sample *now, struct ksm_change_result *res)
{
	int err = ksm_txn_plan(t, root, now, &res->why, &res->culprit);

	return err ? stop(res, KSM_CHANGE_REFUSED, err) : 0;
}

static int apply(const struct ksm_root *root, struct ksm_txn *t,
		 struct ksm_change_result *res)
{
	int err = ksm_txn_apply(t, root);

	return err ? stop(res, KSM_CHANGE_WRITE_FAILED, err) : 0;
}

static void value_of(unsigned long long u, struct ksm_value *v)
{
	memset(v, 0, sizeof(*v));
	v->u = u;
	v->s = (long long)u;
}

/* ---- run, put back after an unmerge ---------------------------------- */

/* 2 and 0 are the same stopped state: putting 2 back would unmerge again. */
static bool run_reads(const struct ksm_sample *s, unsigned long long run)
{
	unsigned long long now = ksm_u(s, KSM_RUN);

	return ksm_has(s, KSM_RUN) && (now == run || (now == 2 && run == 0));
}

static void restore_run(const struct ksm_root *root, struct ksm_change_result *res)
{
	struct ksm_sample now;
	struct ksm_value v;
	struct ksm_txn t;
	int err;

	err = ksm_sample_read(root, &now);
	if (!err && run_reads(&now, res->run_was))
		return;
	if (!err) {
		ksm_txn_init(&t, 0);
		value_of(res->run_was, &v);
		ksm_txn_add_value(&t, KSM_RUN, &v);
		err = ksm_txn_plan(&t, root, &now, &res->run_why, NULL);
		if (!err)
			err = ksm_txn_apply(&t, root);
	}
	res->run_restored = err ? err : 1;
}

/* ---- 5. the unmerge -------------------------------------------------- */

static bool unmerge_ended_well(const struct ksm_unmerge_result *u)
{
	return !(u->killed_by && u->killed_by != SIGINT) && !u->interrupted &&
	       !u->write_err;
}

/*
 * UKSM has no unmerge mode (its run takes 0 and 1); elsewhere run=2 must
 * be writable, as the plan of any other value checks.
 */
static int check_unmerge_possible(const struct ksm_root *root,
				  struct ksm_change_result *res)
{
	struct ksm_value two;
	struct ksm_txn t;

	if (ksm_sample_is_uksm(&res->before)) {
		res->culprit = &ksm_knobs[KSM_RUN];
		snprintf(res->why.why, sizeof(res->why.why),
			 "not available on UKSM: its run takes only 0 and 1, there is no unmerge mode; UKSM unmerges a process's pages when it exits or calls madvise(MADV_UNMERGEABLE)");
		return stop(res, KSM_CHANGE_REFUSED, -EOPNOTSUPP);
	}
	ksm_txn_init(&t, TXN_ALLOW_UNMERGE);
	value_of(2, &two);
	ksm_txn_add_value(&t, KSM_RUN, &two);
	return plan(root, &t, &res->before, res);
}

/*
 * The memory check, then run=2 from a child.  0 when every page was
 * unmerged and the state after it could be read (res->after).
 */
static int unmerge(const struct ksm_root *root, const struct ksm_change_req *req,
		   struct ksm_change_result *res)
{
	const struct ksm_change_hooks *h = hooks_of(req);
	int err;

	res->unmerge_due = true;
	ksm_unmerge_estimate(&res->before, &res->estimate);
	if (req->dry_run)
		return stop(res, KSM_CHANGE_DRY_RUN, 0);
	if (!res->estimate.fits && !req->force)
		return stop(res, KSM_CHANGE_NO_ROOM, -ENOMEM);
	if (h->unmerging)
		h->unmerging(res, h->data);
	err = ksm_unmerge_run(root, req->stop, h->progress, h->data, &res->unmerge);
	if (err)
		return stop(res, KSM_CHANGE_UNMERGE_FAILED, err);
	res->unmerged = true;
	res->after_err = ksm_sample_read(root, &res->after);
	res->have_after = !res->after_err;
	if (!unmerge_ended_well(&res->unmerge))
		return stop(res, KSM_CHANGE_UNMERGE_FAILED,
			    res->unmerge.write_err ? res->unmerge.write_err : -EINTR);
	if (res->after_err)
		return stop(res, KSM_CHANGE_UNMERGE_FAILED, res->after_err);
	return 0;
}

/* KSM_UNMERGE_ALL: unmerge, then the txn's values (run=1: restart). */
static int unmerge_all(const struct ksm_root *root, const struct ksm_change_req *req,
		       struct ksm_change_result *res)
{
	int err = check_unmerge_possible(root, res);

	if (!err)
		err = unmerge(root, req, res);
	if (err || req->dry_run || !res->txn.count)
		return err;
	err = plan(root, &res->txn, &res->after, res);
	return err ? err : apply(root, &res->txn, res);
}

/* The txn again, against the drained state, with run put back in it. */
static void rebuild(struct ksm_change_result *res)
{
	struct ksm_txn old = res->txn;
	bool has_run = false;
	struct ksm_value run;

	ksm_txn_init(&res->txn, 0);
	res->txn.dirs = old.dirs;
	for (int i = 0; i < old.count; i++) {
		ksm_txn_add_value(&res->txn, ksm_knob_id(old.steps[i].knob),
				  &old.steps[i].to);
		has_run |= ksm_knob_id(old.steps[i].knob) == KSM_RUN;
	}
	value_of(res->run_was, &run);
	if (!has_run)
		ksm_txn_add_value(&res->txn, KSM_RUN, &run);
}

/*
 * KSM_UNMERGE_FIRST with pages shared: unmerge, wait for the stable tree
 * to drain, write the values and run as it was.  Any failure puts run
 * back (the unmerge itself cannot be undone).
 */
static int unmerge_first(const struct ksm_root *root, const struct ksm_change_req *req,
			 struct ksm_change_result *res)
{
	long timeout = req->drain_timeout_ms ? req->drain_timeout_ms :
					       KSM_DRAIN_TIMEOUT_MS;
	int err;

	res->run_was = ksm_u(&res->before, KSM_RUN) == 2 ? 0 :
		       ksm_u(&res->before, KSM_RUN);
	/* run is put back afterwards: it must be known first */
	if (ksm_bad(&res->before, KSM_RUN)) {
		char text[sizeof(res->why.why) - 64];

		res->culprit = &ksm_knobs[KSM_RUN];
		ksm_sample_why(&res->before, KSM_RUN, text, sizeof(text));
		snprintf(res->why.why, sizeof(res->why.why),
			 "cannot unmerge first, it could not be put back: %s", text);
		return stop(res, KSM_CHANGE_REFUSED, -ENODATA);
	}
	err = unmerge(root, req, res);
	if (!err && !req->dry_run) {
		err = ksm_wait_drained(root, timeout, req->stop, &res->after);
		res->have_after = true;
		if (err)
			stop(res, KSM_CHANGE_NOT_DRAINED, err);
	}
	if (!err && !req->dry_run) {
		rebuild(res);
		err = plan(root, &res->txn, &res->after, res);
		if (!err)
			err = apply(root, &res->txn, res);
	}
	if (err && res->end != KSM_CHANGE_DRY_RUN)
		restore_run(root, res);
	return err;
}

/* ---- 6. the writes --------------------------------------------------- */

static int write_values(const struct ksm_root *root, const struct ksm_change_req *req,
			struct ksm_change_result *res)
{
	int err;

	if (req->unmerge == KSM_UNMERGE_FIRST)
		res->txn.flags |= TXN_UNMERGE_FIRST;
	err = plan(root, &res->txn, &res->before, res);
	if (err)
		return err;
	if (req->unmerge == KSM_UNMERGE_FIRST &&
	    ksm_txn_needs_unmerge(&res->txn, &res->before))
		return unmerge_first(root, req, res);
	if (req->dry_run)
		return stop(res, KSM_CHANGE_DRY_RUN, 0);
	err = apply(root, &res->txn, res);
	if (!err && req->side_effects) {
		res->after_err = ksm_sample_read(root, &res->after);
		res->have_after = !res->after_err;
	}
	return err;
}

int ksm_change(const struct ksm_root *root, const struct ksm_change_req *req,
	       struct ksm_change_result *res)
{
	const struct ksm_change_hooks *h = hooks_of(req);
	struct ksm_lock lock = { -1 };
	int err = 0;

	memset(res, 0, sizeof(*res));
	if (req->txn)
		res->txn = *req->txn;
	else
		ksm_txn_init(&res->txn, 0);
	/* the plan must see the state it changes: read under the lock */
	if (!req->dry_run)
		err = take_lock(root, req, &lock, res);
	if (!err) {
		err = read_state(root, req, &res->before);
		if (err)
			stop(res, KSM_CHANGE_UNREADABLE, err);
	}
	if (!err)
		err = check_expected(req, res);
	if (!err && h->decide) {
		err = h->decide(&res->before, &res->txn, h->data);
		if (err)
			stop(res, KSM_CHANGE_DECLINED, err);
	}
	if (!err && req->unmerge == KSM_UNMERGE_ALL)
		err = unmerge_all(root, req, res);
	else if (!err)
		err = write_values(root, req, res);
	ksm_lock_release(&lock);
	return err;
}

unsigned long long ksm_change_unmerged_pages(const struct ksm_change_result *r)
{
	unsigned long long was = ksm_unmerge_remaining(&r->before), left;

	if (!r->have_after)
		return 0;
	left = ksm_unmerge_remaining(&r->after);
	return was > left ? was - left : 0;
}
