// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Running a knob transaction for a command: the writers' lock, the plan,
 * the optional unmerge first, the writes, and a report that says exactly
 * what the system holds afterwards.
 */
#include <errno.h>
#include <string.h>

#include "ksmctl.h"
#include "lib/lock.h"

static const char *format_value(const struct ksm_knob *knob,
				const struct ksm_value *v, char *buf,
				size_t size)
{
	ksm_knob_format(knob, v, buf, size);
	return buf;
}

void ksm_print_plan(const struct ksm_txn *t, bool dry_run)
{
	for (int i = 0; i < t->count; i++) {
		const struct ksm_step *s = &t->steps[i];
		char from[64], to[64];

		format_value(s->knob, &s->from, from, sizeof(from));
		format_value(s->knob, &s->to, to, sizeof(to));
		if (s->state == STEP_UNCHANGED)
			printf("%s: %s (unchanged)\n", s->knob->name, to);
		else if (ksm_value_equal(s->knob, &s->from, &s->to))
			/* KNOB_WRITE_APPLIES: the write itself does something */
			printf("%s: %s (written again%s)\n", s->knob->name, to,
			       dry_run ? ", dry run" : "");
		else
			printf("%s: %s -> %s%s\n", s->knob->name, from, to,
			       dry_run ? " (dry run)" : "");
	}
}

/* After a failure, say exactly what each knob of the transaction holds. */
void ksm_report_failure(const struct ksm_txn *t)
{
	const struct ksm_step *failed = NULL;
	bool changed = false;

	for (int i = 0; i < t->count; i++)
		if (t->steps[i].state == STEP_FAILED && !failed)
			failed = &t->steps[i];
	if (failed) {
		char to[64], seen[64];

		format_value(failed->knob, &failed->to, to, sizeof(to));
		if (failed->failure == STEP_FAIL_VALUE) {
			format_value(failed->knob, &failed->seen, seen, sizeof(seen));
			ksm_err("%s: wrote %s but it reads back %s", failed->knob->name,
				to, seen);
		} else if (failed->failure == STEP_FAIL_READ_BACK) {
			ksm_err("%s: wrote %s but cannot read it back: %s",
				failed->knob->name, to, strerror(-failed->err));
		} else {
			ksm_err("%s: cannot write %s: %s%s", failed->knob->name, to,
				strerror(-failed->err), ksm_write_hint(failed->err));
		}
	}
	for (int i = 0; i < t->count; i++) {
		const struct ksm_step *s = &t->steps[i];
		char from[64], seen[64];

		format_value(s->knob, &s->from, from, sizeof(from));
		format_value(s->knob, &s->seen, seen, sizeof(seen));
		if (s->state == STEP_RESTORED)
			ksm_err("%s: restored to %s", s->knob->name, from);
		if (s->left_changed) {
			ksm_err("%s: left changed: reads %s, was %s",
				s->knob->name, seen, from);
			changed = true;
		} else if (s->read_err && (s->state == STEP_FAILED ||
					   s->state == STEP_RESTORE_FAILED)) {
			ksm_err("%s: state unknown: cannot read it back: %s",
				s->knob->name, strerror(-s->read_err));
			changed = true;
		}
	}
	if (t->pages_to_scan_lost) {
		const struct ksm_knob *k = &ksm_knobs[KSM_PAGES_TO_SCAN];
		char was[64], now[64];

		format_value(k, &t->pages_to_scan, was, sizeof(was));
		format_value(k, &t->pages_to_scan_now, now, sizeof(now));
		ksm_err("%s: left changed by the kernel's advisor_mode reset: reads %s, was %s",
			k->name, now, was);
		changed = true;
	}
	if (!changed)
		ksm_err("nothing was changed");
}

/* Knobs the kernel changed on its own as a side effect (advisor_mode). */
static void report_side_effects(struct ksm_ctx *ctx, const struct ksm_txn *t,
				const struct ksm_sample *before, bool quiet)
{
	struct ksm_sample after;

	if (ksm_sample_read(ctx->root, &after))
		return;
	for (int id = 0; id < KSM_KNOB_COUNT; id++) {
		const struct ksm_knob *k = &ksm_knobs[id];
		bool ours = false;
		char from[64], to[64];

		for (int i = 0; i < t->count; i++)
			ours |= t->steps[i].knob == k;
		if (ours || !ksm_knob_writable(k) || before->v[id].err ||
		    after.v[id].err ||
		    ksm_value_equal(k, &before->v[id], &after.v[id]))
			continue;
		if (quiet)
			continue;
		printf("%s: %s -> %s (changed by the kernel)\n", k->name,
		       format_value(k, &before->v[id], from, sizeof(from)),
		       format_value(k, &after.v[id], to, sizeof(to)));
	}
}

int ksm_take_lock(struct ksm_ctx *ctx, struct ksm_lock *lock, bool no_wait)
{
	pid_t holder = 0;
	int err = ksm_lock_take(ctx->root, lock, false, &holder);

	if (err == -EWOULDBLOCK && !no_wait) {
		if (holder)
			ksm_warn("waiting for ksmctl (pid %ld) to finish its change...",
				 (long)holder);
		else
			ksm_warn("waiting for another ksmctl to finish its change...");
		err = ksm_lock_take(ctx->root, lock, true, NULL);
	}
	if (err == -EWOULDBLOCK) {
		ksm_err("%s: another ksmctl (pid %ld) is changing KSM settings; try again, or drop --no-wait",
			KSM_LOCK_PATH, (long)holder);
		return EXIT_FAIL;
	}
	if (err) {
		ksm_err("%s: cannot take the lock: %s%s", KSM_LOCK_PATH,
			strerror(-err), ksm_write_hint(err));
		return EXIT_FAIL;
	}
	return 0;
}

static int plan_refusal_status(int err)
{
	return err == -ENOENT ? EXIT_UNAVAILABLE : EXIT_FAIL;
}

int ksm_run_txn(struct ksm_ctx *ctx, struct ksm_txn *t,
		const struct ksm_txn_opts *opts)
{
	const struct ksm_knob *culprit = NULL;
	struct ksm_refusal why = { "" };
	struct ksm_sample before;
	struct ksm_lock lock = { -1 };
	int err, status;

	/* Lock before reading: the plan must see the state it changes. */
	if (!opts->dry_run) {
		status = ksm_take_lock(ctx, &lock, opts->no_wait);
		if (status)
			return status;
	}
	status = ksm_ctx_sample(ctx, &before);
	if (status)
		goto out;
	/* With --unmerge, check everything else before unmerging anything. */
	if (opts->unmerge)
		t->flags |= TXN_UNMERGE_FIRST;
	err = ksm_txn_plan(t, ctx->root, &before, &why, &culprit);
	if (err) {
		ksm_err("%s: %s%s", culprit ? culprit->name : "?", why.why,
			err == -EACCES || err == -EROFS || err == -EPERM ?
			ksm_write_hint(err) : "");
		if (t->count > 1)
			ksm_err("nothing was changed");
		status = plan_refusal_status(err);
		goto out;
	}
	if (opts->unmerge && ksm_txn_needs_unmerge(t, &before)) {
		if (opts->dry_run) {
			struct ksm_unmerge_opts uo = { .dry_run = true,
						       .force = opts->force };

			status = ksm_unmerge_checked(ctx, &before, &uo);
			ksm_print_plan(t, true);
		} else {
			status = ksm_unmerge_then_apply(ctx, t, &before, opts);
		}
		goto out;
	}
	if (opts->dry_run) {
		ksm_print_plan(t, true);
		goto out;
	}
	err = ksm_txn_apply(t, ctx->root);
	if (err) {
		ksm_report_failure(t);
		status = EXIT_FAIL;
		goto out;
	}
	if (!opts->quiet)
		ksm_print_plan(t, false);
	report_side_effects(ctx, t, &before, opts->quiet);
out:
	ksm_lock_release(&lock);
	return status;
}

