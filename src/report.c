// SPDX-License-Identifier: GPL-2.0-or-later
/* The reporter of changes: see report.h. */
#include "report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lock.h"
#include "lib/units.h"

#define BAR_WIDTH 30

/* ---- where the lines go ------------------------------------------------ */

/* One line of a report: an error goes to stderr, the rest to stdout. */
static void vemit(const struct ksm_report_opts *o, bool error, const char *fmt,
		  va_list ap)
{
	void (*line_fn)(void *, const char *) = NULL;
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (o->sink)
		line_fn = error ? o->sink->error : o->sink->info;
	if (line_fn)
		line_fn(o->sink->data, line);
	else if (error)
		ksm_err("%s", line);
	else
		printf("%s\n", line);
}

__attribute__((format(printf, 2, 3)))
static void say(const struct ksm_report_opts *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vemit(o, false, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3)))
static void complain(const struct ksm_report_opts *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vemit(o, true, fmt, ap);
	va_end(ap);
}

static const char *prefix(const struct ksm_report_opts *o)
{
	return o->prefix ? o->prefix : "";
}

static bool access_error(int err)
{
	return err == -EACCES || err == -EROFS || err == -EPERM;
}

static const char *format_value(const struct ksm_knob *knob,
				const struct ksm_value *v, char *buf, size_t size)
{
	ksm_knob_format(knob, v, buf, size);
	return buf;
}

static const char *size_of_pages(const struct ksm_sample *s,
				 unsigned long long pages, char *buf, size_t size)
{
	ksm_format_size(ksm_pages_bytes(pages, s->page_size), buf, size);
	return buf;
}

/* ---- the plan and what the writes left --------------------------------- */

static void report_plan(const struct ksm_report_opts *o, const struct ksm_txn *t,
			bool dry_run)
{
	for (int i = 0; i < t->count; i++) {
		const struct ksm_step *s = &t->steps[i];
		char from[64], to[64];

		format_value(s->knob, &s->from, from, sizeof(from));
		format_value(s->knob, &s->to, to, sizeof(to));
		if (s->state == STEP_UNCHANGED)
			say(o, "%s: %s (unchanged)", s->knob->name, to);
		else if (ksm_value_equal(s->knob, &s->from, &s->to))
			/* KNOB_WRITE_APPLIES: the write itself does something */
			say(o, "%s: %s (written again%s)", s->knob->name, to,
			    dry_run ? ", dry run" : "");
		else
			say(o, "%s: %s -> %s%s", s->knob->name, from, to,
			    dry_run ? " (dry run)" : "");
	}
}

static void report_failed_step(const struct ksm_report_opts *o,
			       const struct ksm_step *failed)
{
	char to[64], seen[64];

	format_value(failed->knob, &failed->to, to, sizeof(to));
	if (failed->failure == STEP_FAIL_VALUE)
		complain(o, "%s: wrote %s but it reads back %s", failed->knob->name,
			 to, format_value(failed->knob, &failed->seen, seen, sizeof(seen)));
	else if (failed->failure == STEP_FAIL_READ_BACK)
		complain(o, "%s: wrote %s but cannot read it back: %s",
			 failed->knob->name, to, ksm_read_strerror(failed->err));
	else
		complain(o, "%s: cannot write %s: %s%s", failed->knob->name, to,
			 strerror(-failed->err), ksm_write_hint(failed->err));
}

/* After a failed apply, say exactly what each knob of it holds. */
static void report_failure(const struct ksm_report_opts *o, const struct ksm_txn *t)
{
	bool changed = false;

	for (int i = 0; i < t->count; i++)
		if (t->steps[i].state == STEP_FAILED) {
			report_failed_step(o, &t->steps[i]);
			break;
		}
	for (int i = 0; i < t->count; i++) {
		const struct ksm_step *s = &t->steps[i];
		char from[64], seen[64];

		format_value(s->knob, &s->from, from, sizeof(from));
		format_value(s->knob, &s->seen, seen, sizeof(seen));
		if (s->state == STEP_RESTORED)
			complain(o, "%s: restored to %s", s->knob->name, from);
		if (s->left_changed) {
			complain(o, "%s: left changed: reads %s, was %s",
				 s->knob->name, seen, from);
			changed = true;
		} else if (s->read_err && (s->state == STEP_FAILED ||
					   s->state == STEP_RESTORE_FAILED)) {
			complain(o, "%s: state unknown: cannot read it back: %s",
				 s->knob->name, ksm_read_strerror(s->read_err));
			changed = true;
		}
	}
	if (t->pages_to_scan_lost) {
		const struct ksm_knob *k = &ksm_knobs[KSM_PAGES_TO_SCAN];
		char was[64], now[64];

		complain(o, "%s: left changed by the kernel's advisor_mode reset: reads %s, was %s",
			 k->name, format_value(k, &t->pages_to_scan_now, now, sizeof(now)),
			 format_value(k, &t->pages_to_scan, was, sizeof(was)));
		changed = true;
	}
	if (!changed)
		complain(o, "nothing was changed");
}

/* Knobs the kernel changed on its own as a side effect (advisor_mode). */
static void report_side_effects(const struct ksm_report_opts *o,
				const struct ksm_change_result *r)
{
	for (int id = 0; id < KSM_KNOB_COUNT; id++) {
		const struct ksm_knob *k = &ksm_knobs[id];
		bool ours = false;
		char from[64], to[64];

		for (int i = 0; i < r->txn.count; i++)
			ours |= r->txn.steps[i].knob == k;
		if (ours || !ksm_knob_writable(k) || r->before.v[id].err ||
		    r->after.v[id].err ||
		    ksm_value_equal(k, &r->before.v[id], &r->after.v[id]))
			continue;
		say(o, "%s: %s -> %s (changed by the kernel)", k->name,
		    format_value(k, &r->before.v[id], from, sizeof(from)),
		    format_value(k, &r->after.v[id], to, sizeof(to)));
	}
}

/* ---- the unmerge ------------------------------------------------------- */

static void report_estimate(const struct ksm_report_opts *o,
			    const struct ksm_change_result *r)
{
	const struct ksm_unmerge_estimate *e = &r->estimate;
	char need[32], avail[32], margin[32], swap[32];

	ksm_format_size(e->need_bytes, need, sizeof(need));
	ksm_format_size(e->available_bytes, avail, sizeof(avail));
	ksm_format_size(e->margin_bytes, margin, sizeof(margin));
	ksm_format_size(e->swap_free_bytes, swap, sizeof(swap));
	if (!e->need_known)
		say(o, "unmerge needs an unknown amount of memory: %s", e->need_why);
	else if (!e->known)
		say(o, "unmerge needs about %s (%llu pages); MemAvailable is unknown",
		    need, ksm_unmerge_remaining(&r->before));
	else
		say(o, "unmerge needs about %s (%llu pages); MemAvailable %s, %s kept free; free swap %s (not counted)",
		    need, ksm_unmerge_remaining(&r->before), avail, margin, swap);
}

static void report_verdict(const struct ksm_report_opts *o,
			   const struct ksm_change_req *req,
			   const struct ksm_change_result *r)
{
	say(o, "verdict: %s", r->estimate.fits ? "fits: would unmerge" :
	    !r->estimate.need_known ?
	    (req->force ? "unknown: would unmerge anyway (--force)" :
	     "unknown: would refuse (use --force to override)") :
	    req->force ? "does not fit: would unmerge anyway (--force)" :
	    "does not fit: would refuse (use --force to override)");
}

static void report_no_room(const struct ksm_report_opts *o,
			   const struct ksm_change_result *r)
{
	const struct ksm_unmerge_estimate *e = &r->estimate;
	char need[32], avail[32], margin[32];

	ksm_format_size(e->need_bytes, need, sizeof(need));
	ksm_format_size(e->available_bytes, avail, sizeof(avail));
	ksm_format_size(e->margin_bytes, margin, sizeof(margin));
	if (!o->quiet)
		report_estimate(o, r);
	if (!e->need_known)
		complain(o, "unmerge: refused: cannot tell the memory it needs: %s; use --force to unmerge anyway",
			 e->need_why);
	else if (e->known)
		complain(o, "unmerge: refused: it needs about %s, but MemAvailable is %s and %s is kept free; use --force to unmerge anyway",
			 need, avail, margin);
	else
		complain(o, "unmerge: refused: cannot read MemAvailable from /proc/meminfo to check the %s it needs; use --force to unmerge anyway",
			 need);
}

/* What the system holds now, in one line, after an unmerge went wrong. */
static void report_state(const struct ksm_report_opts *o,
			 const struct ksm_change_result *r)
{
	unsigned long long left;
	char size[32];

	if (!r->have_after) {
		complain(o, "state: cannot read %s", KSM_SYSFS_DIR);
		return;
	}
	left = ksm_unmerge_remaining(&r->after);
	complain(o, "state: run reads %llu; %llu pages (%s) are still merged",
		 ksm_u(&r->after, KSM_RUN), left,
		 size_of_pages(&r->after, left, size, sizeof(size)));
}

static void report_unmerge_failure(const struct ksm_report_opts *o,
				   const struct ksm_change_result *r)
{
	const struct ksm_unmerge_result *u = &r->unmerge;

	if (!r->unmerged) {
		complain(o, "unmerge: cannot start the writer process: %s",
			 strerror(-r->err));
		return;
	}
	if (u->killed_by && u->killed_by != SIGINT)
		complain(o, "unmerge: the process writing run=2 was killed by signal %d (%s)%s",
			 u->killed_by, strsignal(u->killed_by),
			 u->killed_by == SIGKILL ? ": the OOM killer?" : "");
	else if (u->interrupted || u->write_err == -EINTR)
		complain(o, "unmerge: interrupted: the kernel stopped the unmerge after %.1fs",
			 u->seconds);
	else if (u->write_err == -ENOMEM)
		complain(o, "unmerge: the kernel ran out of memory (ENOMEM; a memory cgroup limit?)");
	else if (u->write_err)
		complain(o, "run: cannot write 2: %s%s", strerror(-u->write_err),
			 ksm_write_hint(u->write_err));
	else {
		complain(o, "unmerge: done, but %s cannot be read back", KSM_SYSFS_DIR);
		return;
	}
	report_state(o, r);
}

/* The unmerge went through: what it broke, from the counters now. */
static void report_unmerged(const struct ksm_report_opts *o,
			    const struct ksm_change_result *r)
{
	unsigned long long left = ksm_unmerge_remaining(&r->after);
	char size[32];

	if (!o->quiet)
		say(o, "unmerged %llu pages (%s) in %.1fs; ksmd is stopped (run reads %llu)",
		    ksm_change_unmerged_pages(r),
		    size_of_pages(&r->after, ksm_change_unmerged_pages(r), size, sizeof(size)),
		    r->unmerge.seconds, ksm_u(&r->after, KSM_RUN));
	if (left) {
		if (o->sink && o->sink->error)
			complain(o, "unmerge: %llu pages still read as merged", left);
		else
			ksm_warn("unmerge: %llu pages still read as merged", left);
	}
}

/* KSM_UNMERGE_FIRST: run as it was before the unmerge. */
static void report_run_restored(const struct ksm_report_opts *o,
				const struct ksm_change_result *r)
{
	if (r->run_restored < 0)
		complain(o, "run: could not be restored to %llu: %s", r->run_was,
			 r->run_why.why[0] ? r->run_why.why : strerror(-r->run_restored));
	else if (r->run_restored > 0)
		complain(o, "run: restored to %llu", r->run_was);
}

/* ---- one report per end ------------------------------------------------- */

static void report_refused(const struct ksm_report_opts *o,
			   const struct ksm_change_req *req,
			   const struct ksm_change_result *r)
{
	const char *name = r->culprit ? r->culprit->name : "?";

	if (r->err == -EOPNOTSUPP && req->unmerge == KSM_UNMERGE_ALL) {
		complain(o, "unmerge: %s", r->why.why);
	} else if (r->unmerged && req->unmerge == KSM_UNMERGE_ALL) {
		complain(o, "run: cannot restart ksmd: %s",
			 r->why.why[0] ? r->why.why : strerror(-r->err));
	} else if (r->unmerged) {
		complain(o, "%s: %s", name, r->why.why);
	} else {
		complain(o, "%s%s: %s%s", prefix(o), name, r->why.why,
			 access_error(r->err) ? ksm_write_hint(r->err) : "");
		if (r->txn.count > 1)
			complain(o, "nothing was changed");
	}
}

static void report_write_failed(const struct ksm_report_opts *o,
				const struct ksm_change_req *req,
				const struct ksm_change_result *r)
{
	if (r->unmerged && req->unmerge == KSM_UNMERGE_ALL)
		complain(o, "run: cannot restart ksmd: %s", strerror(-r->err));
	else
		report_failure(o, &r->txn);
}

static void report_not_drained(const struct ksm_report_opts *o,
			       const struct ksm_change_req *req,
			       const struct ksm_change_result *r)
{
	long timeout = req->drain_timeout_ms ? req->drain_timeout_ms :
					       KSM_DRAIN_TIMEOUT_MS;
	char why[300];

	/* a counter that cannot be read is not 0: say which */
	if (KSM_NEED(&r->after, NULL, why, sizeof(why), KSM_PAGES_SHARED,
		     KSM_STABLE_NODE_CHAINS, KSM_STABLE_NODE_DUPS)) {
		complain(o, "stable tree: not known to be gone after %.1fs%s: %s",
			 (double)timeout / 1000,
			 r->err == -EINTR ? " (interrupted)" : "", why);
		return;
	}
	complain(o, "stable tree: still %llu pages shared, %llu chains, %llu dups after %.1fs%s: the change needs them gone",
		 ksm_u(&r->after, KSM_PAGES_SHARED),
		 ksm_u(&r->after, KSM_STABLE_NODE_CHAINS),
		 ksm_u(&r->after, KSM_STABLE_NODE_DUPS), (double)timeout / 1000,
		 r->err == -EINTR ? " (interrupted)" : "");
}

static void report_done(const struct ksm_report_opts *o,
			const struct ksm_change_req *req,
			const struct ksm_change_result *r)
{
	if (req->unmerge == KSM_UNMERGE_ALL) {
		for (int i = 0; i < r->txn.count && !o->quiet; i++) {
			const struct ksm_step *s = &r->txn.steps[i];
			char from[64], to[64];

			say(o, "%s: %s -> %s (restarted)", s->knob->name,
			    format_value(s->knob, &s->from, from, sizeof(from)),
			    format_value(s->knob, &s->to, to, sizeof(to)));
		}
		return;
	}
	if (!o->quiet)
		report_plan(o, &r->txn, false);
	if (r->have_after && !o->quiet && !r->unmerged)
		report_side_effects(o, r);
}

static void report_dry_run(const struct ksm_report_opts *o,
			   const struct ksm_change_req *req,
			   const struct ksm_change_result *r)
{
	if (r->unmerge_due) {
		report_estimate(o, r);
		report_verdict(o, req, r);
	}
	if (req->unmerge != KSM_UNMERGE_ALL)
		report_plan(o, &r->txn, true);
}

/* "ksmctl: /sys/kernel/mm/ksm: not found: this kernel has no KSM ..." */
static void report_unreadable(const struct ksm_report_opts *o, const char *sysroot,
			      int err)
{
	const char *shown = ksm_shown(sysroot);
	size_t len = strlen(shown);

	if (err == -ENOENT)
		complain(o, "%.*s/%s: not found: this kernel has no KSM (CONFIG_KSM is not set)",
			 (int)(len && shown[len - 1] == '/' ? len - 1 : len),
			 shown, KSM_SYSFS_DIR);
	else
		complain(o, "%s: cannot read: %s", KSM_SYSFS_DIR, strerror(-err));
}

int ksm_report_status(const struct ksm_change_req *req,
		      const struct ksm_change_result *r)
{
	switch (r->end) {
	case KSM_CHANGE_DONE:
		return EXIT_OK;
	case KSM_CHANGE_DRY_RUN:
		return !r->unmerge_due || r->estimate.fits || req->force ?
		       EXIT_OK : EXIT_FAIL;
	case KSM_CHANGE_UNREADABLE:
		return r->err == -ENOENT ? EXIT_UNAVAILABLE : EXIT_FAIL;
	case KSM_CHANGE_REFUSED:
		if (r->unmerged)
			return EXIT_FAIL;
		return r->err == -ENOENT || r->err == -EOPNOTSUPP ?
		       EXIT_UNAVAILABLE : EXIT_FAIL;
	default:
		return EXIT_FAIL;
	}
}

/* The end of a KSM_UNMERGE_FIRST change that has unmerged: what is left. */
static void report_after_unmerge_first(const struct ksm_report_opts *o,
				       const struct ksm_change_result *r)
{
	report_run_restored(o, r);
	if (r->end == KSM_CHANGE_REFUSED || r->end == KSM_CHANGE_WRITE_FAILED)
		/* the knobs are back, but the unmerge itself cannot be undone */
		complain(o, "every page was unmerged before the failure; ksmd merges them again once run is 1");
	else
		complain(o, "no knob was changed");
}

static void clear_progress(void);

int ksm_report(const struct ksm_ctx *ctx, const struct ksm_change_req *req,
	       const struct ksm_change_result *r, const struct ksm_report_opts *o)
{
	bool first = req->unmerge == KSM_UNMERGE_FIRST && r->unmerge_due &&
		     r->end != KSM_CHANGE_DRY_RUN;

	clear_progress();
	if (r->unmerged && r->end != KSM_CHANGE_UNMERGE_FAILED)
		report_unmerged(o, r);
	switch (r->end) {
	case KSM_CHANGE_DONE:
		report_done(o, req, r);
		break;
	case KSM_CHANGE_DRY_RUN:
		report_dry_run(o, req, r);
		break;
	case KSM_CHANGE_BUSY:
		complain(o, "%s%s: another ksmctl (pid %ld) is changing KSM settings; try again%s",
			 prefix(o), KSM_LOCK_PATH, (long)r->holder,
			 o->busy_hint ? o->busy_hint : "");
		break;
	case KSM_CHANGE_LOCK_FAILED:
		complain(o, "%s%s: cannot take the lock: %s%s", prefix(o),
			 KSM_LOCK_PATH, strerror(-r->err), ksm_write_hint(r->err));
		break;
	case KSM_CHANGE_UNREADABLE:
		report_unreadable(o, ctx->sysroot, r->err);
		break;
	case KSM_CHANGE_MOVED: {
		const struct ksm_expect *e = &req->expect[r->moved];
		char seen[64];

		complain(o, "%s%s: changed to %s by someone else: nothing written",
			 prefix(o), ksm_knobs[e->id].name,
			 r->before.v[e->id].err ? "an unreadable value" :
			 format_value(&ksm_knobs[e->id], &r->before.v[e->id], seen,
				      sizeof(seen)));
		break;
	}
	case KSM_CHANGE_DECLINED:
		break;		/* the caller's decision: it says why */
	case KSM_CHANGE_REFUSED:
		report_refused(o, req, r);
		break;
	case KSM_CHANGE_NO_ROOM:
		report_no_room(o, r);
		break;
	case KSM_CHANGE_UNMERGE_FAILED:
		report_unmerge_failure(o, r);
		break;
	case KSM_CHANGE_NOT_DRAINED:
		report_not_drained(o, req, r);
		break;
	case KSM_CHANGE_WRITE_FAILED:
		report_write_failed(o, req, r);
		break;
	}
	if (first && r->end != KSM_CHANGE_DONE)
		report_after_unmerge_first(o, r);
	return ksm_report_status(req, r);
}

/* ---- one line, for top ------------------------------------------------- */

static void line_state(const struct ksm_change_result *r, char *buf, size_t size)
{
	unsigned long long left;
	char sz[32];

	if (!r->have_after) {
		snprintf(buf, size, "; %s cannot be read", KSM_SYSFS_DIR);
		return;
	}
	left = ksm_unmerge_remaining(&r->after);
	snprintf(buf, size, "; run reads %llu, %llu pages (%s) still merged",
		 ksm_u(&r->after, KSM_RUN), left,
		 size_of_pages(&r->after, left, sz, sizeof(sz)));
}

static void line_unmerge_failure(const struct ksm_change_result *r, char *buf,
				 size_t size)
{
	const struct ksm_unmerge_result *u = &r->unmerge;
	char state[160];

	line_state(r, state, sizeof(state));
	if (!r->unmerged)
		snprintf(buf, size, "unmerge: cannot start the writer process: %s",
			 strerror(-r->err));
	else if (u->killed_by && u->killed_by != SIGINT)
		snprintf(buf, size, "unmerge: the writer was killed by signal %d (%s)%s%s",
			 u->killed_by, strsignal(u->killed_by),
			 u->killed_by == SIGKILL ? ": the OOM killer?" : "", state);
	else if (u->interrupted || u->write_err == -EINTR)
		snprintf(buf, size, "unmerge: interrupted after %.1fs%s", u->seconds,
			 state);
	else if (u->write_err)
		snprintf(buf, size, "run: cannot write 2: %s%s%s",
			 u->write_err == -ENOMEM ?
			 "the kernel ran out of memory (a memory cgroup limit?)" :
			 strerror(-u->write_err), ksm_write_hint(u->write_err), state);
	else
		snprintf(buf, size, "unmerge: done, but %s cannot be read back",
			 KSM_SYSFS_DIR);
}

static void line_no_room(const struct ksm_change_result *r, char *buf, size_t size)
{
	const struct ksm_unmerge_estimate *e = &r->estimate;
	char need[32], avail[32], margin[32];

	ksm_format_size(e->need_bytes, need, sizeof(need));
	ksm_format_size(e->available_bytes, avail, sizeof(avail));
	ksm_format_size(e->margin_bytes, margin, sizeof(margin));
	if (!e->need_known)
		snprintf(buf, size, "unmerge: refused: cannot tell the memory it needs: %s ('ksmctl unmerge-all --force' overrides)",
			 e->need_why);
	else if (e->known)
		snprintf(buf, size, "unmerge: refused: it needs about %s, but MemAvailable is %s and %s is kept free ('ksmctl unmerge-all --force' overrides)",
			 need, avail, margin);
	else
		snprintf(buf, size, "unmerge: refused: cannot read MemAvailable from /proc/meminfo to check the %s it needs ('ksmctl unmerge-all --force' overrides)",
			 need);
}

/* A failed one-knob transaction: what failed, what is left. */
static void line_write_failed(const struct ksm_change_result *r, char *buf,
			      size_t size)
{
	const struct ksm_step *st = &r->txn.steps[0];
	char to[64], seen[64];

	format_value(st->knob, &st->to, to, sizeof(to));
	format_value(st->knob, &st->seen, seen, sizeof(seen));
	if (st->failure == STEP_FAIL_VALUE)
		snprintf(buf, size, "%s: wrote %s but it reads back %s%s",
			 st->knob->name, to, seen, st->left_changed ? "" : "; restored");
	else
		snprintf(buf, size, "%s: cannot write %s: %s%s%s", st->knob->name,
			 to, strerror(-st->err), ksm_write_hint(st->err),
			 st->left_changed ? "; left changed" : "; nothing changed");
}

static void line_done(const struct ksm_change_result *r, char *buf, size_t size)
{
	char from[64], to[64], sz[32];

	if (r->unmerged) {
		unsigned long long left = ksm_unmerge_remaining(&r->after);
		size_t len;

		snprintf(buf, size, "unmerged %llu pages (%s) in %.1fs; ksmd is stopped (run reads %llu)",
			 ksm_change_unmerged_pages(r),
			 size_of_pages(&r->after, ksm_change_unmerged_pages(r), sz, sizeof(sz)),
			 r->unmerge.seconds, ksm_u(&r->after, KSM_RUN));
		len = strlen(buf);
		if (left)
			snprintf(buf + len, size - len, "; %llu pages still merged", left);
	} else if (r->txn.count) {
		const struct ksm_step *s = &r->txn.steps[0];

		snprintf(buf, size, "%s: %s -> %s", s->knob->name,
			 format_value(s->knob, &s->from, from, sizeof(from)),
			 format_value(s->knob, &s->to, to, sizeof(to)));
	} else {
		snprintf(buf, size, "nothing to change");
	}
}

void ksm_report_line(const struct ksm_change_req *req,
		     const struct ksm_change_result *r, char *buf, size_t size)
{
	char seen[64];

	buf[0] = '\0';
	switch (r->end) {
	case KSM_CHANGE_DONE:
		line_done(r, buf, size);
		break;
	case KSM_CHANGE_DRY_RUN:
	case KSM_CHANGE_DECLINED:
		break;
	case KSM_CHANGE_BUSY:
		if (r->holder)
			snprintf(buf, size, "busy: another ksmctl (pid %ld) is changing KSM settings; nothing written, try again",
				 (long)r->holder);
		else
			snprintf(buf, size, "busy: another ksmctl is changing KSM settings; nothing written, try again");
		break;
	case KSM_CHANGE_LOCK_FAILED:
		snprintf(buf, size, "%s: cannot take the lock: %s%s", KSM_LOCK_PATH,
			 strerror(-r->err), ksm_write_hint(r->err));
		break;
	case KSM_CHANGE_UNREADABLE:
		snprintf(buf, size, "%s: cannot read: %s", KSM_SYSFS_DIR,
			 strerror(-r->err));
		break;
	case KSM_CHANGE_MOVED: {
		const struct ksm_expect *e = &req->expect[r->moved];

		snprintf(buf, size, "%s: changed meanwhile (now %s): nothing written",
			 ksm_knobs[e->id].name, r->before.v[e->id].err ? "unreadable" :
			 format_value(&ksm_knobs[e->id], &r->before.v[e->id], seen,
				      sizeof(seen)));
		break;
	}
	case KSM_CHANGE_REFUSED:
		if (r->err == -EOPNOTSUPP && req->unmerge == KSM_UNMERGE_ALL)
			snprintf(buf, size, "unmerge: %s", r->why.why);
		else
			snprintf(buf, size, "%s: %s%s",
				 r->culprit ? r->culprit->name : "?",
				 r->why.why[0] ? r->why.why : strerror(-r->err),
				 access_error(r->err) ? ksm_write_hint(r->err) : "");
		break;
	case KSM_CHANGE_NO_ROOM:
		line_no_room(r, buf, size);
		break;
	case KSM_CHANGE_UNMERGE_FAILED:
		line_unmerge_failure(r, buf, size);
		break;
	case KSM_CHANGE_NOT_DRAINED:
		snprintf(buf, size, "stable tree: still %llu pages shared: the change needs them gone",
			 ksm_u(&r->after, KSM_PAGES_SHARED));
		break;
	case KSM_CHANGE_WRITE_FAILED:
		line_write_failed(r, buf, size);
		break;
	}
}

/* ---- the commands' hooks ----------------------------------------------- */

static struct cli_bar {
	unsigned long long start;	/* pages to break when we began */
	bool quiet;
	bool shown;
} bar_state;

static void clear_progress(void)
{
	if (bar_state.shown)
		fprintf(stderr, "\r%*s\r", BAR_WIDTH + 60, "");
	bar_state.shown = false;
}

void ksm_report_waiting(pid_t holder, void *data)
{
	(void)data;
	if (holder)
		ksm_warn("waiting for ksmctl (pid %ld) to finish its change...",
			 (long)holder);
	else
		ksm_warn("waiting for another ksmctl to finish its change...");
}

static void cli_unmerging(const struct ksm_change_result *r, void *data)
{
	const struct ksm_report_opts o = { .quiet = bar_state.quiet };

	(void)data;
	if (!bar_state.quiet)
		report_estimate(&o, r);
	bar_state.start = ksm_unmerge_remaining(&r->before);
	fflush(stdout);
	/* Ctrl-C stops the kernel's unmerge: the child gets it */
	ksm_stop = 0;
	ksm_catch_signals();
}

static void cli_progress(const struct ksm_sample *now, double elapsed, void *data)
{
	unsigned long long left = ksm_unmerge_remaining(now);
	unsigned long long done = bar_state.start > left ? bar_state.start - left : 0;
	int filled = bar_state.start ? (int)(done * BAR_WIDTH / bar_state.start) :
				      BAR_WIDTH;
	char bar[BAR_WIDTH + 1];

	(void)data;
	if (bar_state.quiet || !isatty(STDERR_FILENO))
		return;
	memset(bar, '#', (size_t)filled);
	memset(bar + filled, '.', (size_t)(BAR_WIDTH - filled));
	bar[BAR_WIDTH] = '\0';
	fprintf(stderr, "\runmerging: %llu pages still merged [%s] %3d%% %.1fs ",
		left, bar, filled * 100 / BAR_WIDTH, elapsed);
	bar_state.shown = true;
}

void ksm_report_cli_hooks(struct ksm_change_hooks *h, struct ksm_change_req *req,
			  bool quiet)
{
	memset(h, 0, sizeof(*h));
	h->waiting = ksm_report_waiting;
	h->unmerging = cli_unmerging;
	h->progress = cli_progress;
	bar_state.quiet = quiet;
	req->hooks = h;
	req->stop = &ksm_stop;
}

int ksm_change_cli(struct ksm_ctx *ctx, const struct ksm_txn *t,
		   const struct ksm_txn_opts *opts)
{
	struct ksm_change_req req = {
		.txn = t,
		.lock = opts->no_wait ? KSM_LOCK_FAIL : KSM_LOCK_WAIT,
		.unmerge = opts->unmerge_all ? KSM_UNMERGE_ALL :
			   opts->unmerge ? KSM_UNMERGE_FIRST : KSM_UNMERGE_REFUSE,
		.dry_run = opts->dry_run,
		.force = opts->force,
		.drain_timeout_ms = opts->drain_timeout_ms,
		.side_effects = true,
	};
	struct ksm_report_opts o = {
		.quiet = opts->quiet,
		.busy_hint = ", or drop --no-wait",
	};
	struct ksm_change_hooks hooks;
	struct ksm_change_result *r = malloc(sizeof(*r));
	int status;

	if (!r) {
		ksm_err("%s", strerror(ENOMEM));
		return EXIT_FAIL;
	}
	ksm_report_cli_hooks(&hooks, &req, opts->quiet);
	ksm_change(ctx->root, &req, r);
	status = ksm_report(ctx, &req, r, &o);
	free(r);
	return status;
}

void ksm_report_changes(const struct ksm_txn *t, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < t->count && len < size; i++) {
		const struct ksm_step *s = &t->steps[i];
		char from[64], to[64];

		len += (size_t)snprintf(buf + len, size - len, "%s%s %s -> %s",
					i ? ", " : "", s->knob->name,
					format_value(s->knob, &s->from, from, sizeof(from)),
					format_value(s->knob, &s->to, to, sizeof(to)));
	}
}

void ksm_report_plan(const struct ksm_txn *t, bool dry_run)
{
	const struct ksm_report_opts o = { 0 };

	report_plan(&o, t, dry_run);
}

void ksm_report_txn_failure(const struct ksm_txn *t)
{
	const struct ksm_report_opts o = { 0 };

	report_failure(&o, t);
}

int ksm_ctx_sample(const struct ksm_ctx *ctx, struct ksm_sample *s)
{
	const struct ksm_report_opts o = { 0 };
	int err = ksm_sample_read(ctx->root, s);

	if (err)
		report_unreadable(&o, ctx->sysroot, err);
	return !err ? 0 : err == -ENOENT ? EXIT_UNAVAILABLE : EXIT_FAIL;
}

int ksm_report_bad_values(const struct ksm_sample *s)
{
	int n = 0;

	for (int id = 0; id < KSM_KNOB_COUNT; id++) {
		const struct ksm_knob *k = &ksm_knobs[id];
		int dir = ksm_knob_dir_on(k, ksm_sample_dirs(s));
		char why[256];

		if (!ksm_bad(s, (enum ksm_knob_id)id) || dir < 0)
			continue;
		ksm_sample_why(s, (enum ksm_knob_id)id, why, sizeof(why));
		ksm_err("/%s/%s: %s", ksm_knob_dir_path((enum ksm_knob_dir)dir),
			k->name, why);
		n++;
	}
	return n ? EXIT_FAIL : EXIT_OK;
}
