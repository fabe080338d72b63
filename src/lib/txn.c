// SPDX-License-Identifier: GPL-2.0-or-later
#include "txn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "metrics.h"
#include "units.h"

void ksm_txn_init(struct ksm_txn *t, unsigned int flags)
{
	memset(t, 0, sizeof(*t));
	t->flags = flags;
}

static struct ksm_step *find_step(struct ksm_txn *t, const struct ksm_knob *k)
{
	for (int i = 0; i < t->count; i++)
		if (t->steps[i].knob == k)
			return &t->steps[i];
	return NULL;
}

int ksm_txn_add_value(struct ksm_txn *t, enum ksm_knob_id id,
		      const struct ksm_value *value)
{
	const struct ksm_knob *knob = &ksm_knobs[id];
	struct ksm_step *step;

	if (find_step(t, knob))
		return -EEXIST;
	step = &t->steps[t->count++];
	memset(step, 0, sizeof(*step));
	step->knob = knob;
	step->to = *value;
	step->state = STEP_PLANNED;
	return 0;
}

int ksm_txn_add(struct ksm_txn *t, const char *name, const char *text,
		struct ksm_refusal *why)
{
	const struct ksm_knob *knob = ksm_knob_find(name);
	struct ksm_value value;
	char canonical[64];
	int err;

	if (!knob) {
		snprintf(why->why, sizeof(why->why), "unknown knob");
		return -ENOENT;
	}
	err = ksm_knob_parse_input_on(knob, t->dirs, text, &value, canonical,
				      sizeof(canonical), why);
	if (err)
		return err;
	err = ksm_txn_add_value(t, ksm_knob_id(knob), &value);
	if (err)
		snprintf(why->why, sizeof(why->why), "given more than once");
	return err;
}

void ksm_explain_missing(const struct ksm_knob *knob,
			 const struct ksm_sample *now, char *buf, size_t size)
{
	unsigned int present = ksm_sample_dirs(now);
	char since[32], until[32], have[300], release[sizeof(now->release) * 4];

	ksm_version_format(knob->since, since, sizeof(since));
	if (now->version)
		snprintf(have, sizeof(have), "this kernel (%s)",
			 (ksm_escape(now->release, release, sizeof(release)), release));
	else
		snprintf(have, sizeof(have), "this kernel");
	if (ksm_knob_dir_on(knob, present) < 0 && present == KNOB_IN_UKSM) {
		snprintf(buf, size, "not available on %s: it is a file of mainline KSM, and UKSM (/%s) has no such file",
			 have, KSM_UKSM_DIR);
	} else if (ksm_knob_dir_on(knob, present) < 0) {
		snprintf(buf, size, "not available on %s: only UKSM kernels have it (/%s, an out-of-tree patch)",
			 have, KSM_UKSM_DIR);
	} else if (knob->flags & KNOB_PATCH) {
		snprintf(buf, size, "not available on %s: it needs the ksmctl kernel patches (kernel-patch/ in the ksmctl sources)",
			 have);
	} else if (knob->until) {
		ksm_version_format(knob->until, until, sizeof(until));
		snprintf(buf, size, "not available on %s: it existed only before %s",
			 have, until);
	} else if (now->version && now->version < knob->since) {
		snprintf(buf, size, "not available on %s: added in %s", have, since);
	} else if (knob->flags & KNOB_NUMA_ONLY) {
		snprintf(buf, size, "not available on %s: the kernel was built without NUMA (CONFIG_NUMA)",
			 have);
	} else {
		snprintf(buf, size, "not available on %s (added in %s; a vendor kernel may leave it out)",
			 have, since);
	}
}

/* The value a knob will have once the transaction is done. */
static unsigned long long effective(const struct ksm_txn *t,
				    const struct ksm_sample *now,
				    enum ksm_knob_id id)
{
	for (int i = 0; i < t->count; i++)
		if (t->steps[i].knob == &ksm_knobs[id])
			return t->steps[i].to.u;
	return ksm_u(now, id);
}

/*
 * A check needs a value the sample could not read: refuse, naming the
 * file and what it held ("what: pages_shared: it holds 'x', not a
 * number").  0 when every one of ids is known (or absent).
 */
#define NEED(now, why, what, ...) \
	need_values((now), (why), (what), (const enum ksm_knob_id[]){ __VA_ARGS__ }, \
	     sizeof((const enum ksm_knob_id[]){ __VA_ARGS__ }) / \
	     sizeof(enum ksm_knob_id))

static int need_values(const struct ksm_sample *now, struct ksm_refusal *why,
		const char *what, const enum ksm_knob_id *ids, size_t n)
{
	char text[300];

	if (!ksm_sample_need(now, ids, n, NULL, text, sizeof(text)))
		return 0;
	snprintf(why->why, sizeof(why->why), "%s: %s", what, text);
	return -ENODATA;
}

static int check_advisor(const struct ksm_txn *t, const struct ksm_sample *now,
			 const struct ksm_step *step, struct ksm_refusal *why)
{
	unsigned long long min, max;
	int err;

	if ((step->knob->flags & KNOB_ADVISOR_OWNED) &&
	    (err = NEED(now, why, "cannot tell whether the advisor owns it (the kernel refuses a write while advisor_mode is not none)",
			KSM_ADVISOR_MODE)))
		return err;
	if ((step->knob->flags & KNOB_ADVISOR_OWNED) &&
	    ksm_has(now, KSM_ADVISOR_MODE) &&
	    effective(t, now, KSM_ADVISOR_MODE) != 0) {
		snprintf(why->why, sizeof(why->why),
			 "refused while advisor_mode is %s: the advisor sets it (the kernel says EINVAL); set advisor_mode none first, or tune advisor_min/max_pages_to_scan",
			 ksm_knobs[KSM_ADVISOR_MODE].modes[effective(t, now, KSM_ADVISOR_MODE)]);
		return -EINVAL;
	}
	if (step->knob != &ksm_knobs[KSM_ADVISOR_MIN_PAGES_TO_SCAN] &&
	    step->knob != &ksm_knobs[KSM_ADVISOR_MAX_PAGES_TO_SCAN])
		return 0;
	err = NEED(now, why, "cannot check that the minimum stays at most the maximum",
		   KSM_ADVISOR_MIN_PAGES_TO_SCAN, KSM_ADVISOR_MAX_PAGES_TO_SCAN);
	if (err)
		return err;
	min = effective(t, now, KSM_ADVISOR_MIN_PAGES_TO_SCAN);
	max = effective(t, now, KSM_ADVISOR_MAX_PAGES_TO_SCAN);
	if (min > max) {
		snprintf(why->why, sizeof(why->why),
			 "the minimum (%llu) would exceed advisor_max_pages_to_scan (%llu): the kernel accepts it, but the advisor would then ignore the minimum",
			 min, max);
		return -EDOM;
	}
	return 0;
}

/*
 * pages_to_scan 0 while ksmd runs: the kernel takes it, and ksmd wakes
 * every sleep_millisecs to scan nothing, so merging stops without a word
 * while everything reads "running".  Refused where the transaction would
 * leave it so (unless the advisor, which owns pages_to_scan, is on).
 */
static int check_idle_scan(const struct ksm_txn *t, const struct ksm_sample *now,
			   const struct ksm_step *step, struct ksm_refusal *why)
{
	enum ksm_knob_id id = ksm_knob_id(step->knob);
	bool scan_step = false, run_step = false;
	int err;

	for (int i = 0; i < t->count; i++) {
		scan_step |= t->steps[i].knob == &ksm_knobs[KSM_PAGES_TO_SCAN];
		run_step |= t->steps[i].knob == &ksm_knobs[KSM_RUN];
	}
	if (id == KSM_RUN ? scan_step || step->to.u != 1 :
	    id != KSM_PAGES_TO_SCAN || step->to.u != 0)
		return 0;	/* said of pages_to_scan, its step, if at all */
	/* the values this transaction does not set must have been read */
	if (!run_step &&
	    (err = NEED(now, why, "cannot tell whether ksmd runs (pages_to_scan 0 while it runs stops merging)",
			KSM_RUN)))
		return err;
	if (!scan_step &&
	    (err = NEED(now, why, "cannot tell whether ksmd would scan anything (pages_to_scan 0 while it runs stops merging)",
			KSM_PAGES_TO_SCAN)))
		return err;
	if ((err = NEED(now, why, "cannot tell whether the advisor sets pages_to_scan (pages_to_scan 0 while ksmd runs stops merging)",
			KSM_ADVISOR_MODE)))
		return err;
	if ((!scan_step && !ksm_has(now, KSM_PAGES_TO_SCAN)) ||
	    (!run_step && !ksm_has(now, KSM_RUN)) ||
	    effective(t, now, KSM_PAGES_TO_SCAN) != 0 ||
	    effective(t, now, KSM_RUN) != 1 ||
	    (ksm_has(now, KSM_ADVISOR_MODE) &&
	     effective(t, now, KSM_ADVISOR_MODE) != 0))
		return 0;
	if (id == KSM_PAGES_TO_SCAN)
		snprintf(why->why, sizeof(why->why),
			 "0 while ksmd runs (run 1) stops merging without a word: ksmd would wake up and scan nothing; use 'ksmctl stop' to stop merging (or set run 0 with it)");
	else
		snprintf(why->why, sizeof(why->why),
			 "ksmd would run and scan nothing: pages_to_scan is 0; set pages_to_scan too (ksmctl start --pages-to-scan N)");
	return -EDOM;
}

bool ksm_txn_needs_unmerge(const struct ksm_txn *t, const struct ksm_sample *now)
{
	/* unknown is not none: the plan refuses such a change anyway */
	if (ksm_u(now, KSM_PAGES_SHARED) == 0 && !ksm_bad(now, KSM_PAGES_SHARED))
		return false;
	for (int i = 0; i < t->count; i++) {
		const struct ksm_step *step = &t->steps[i];
		enum ksm_knob_id id = ksm_knob_id(step->knob);

		if ((step->knob->flags & KNOB_NEEDS_UNMERGE) && ksm_has(now, id) &&
		    !ksm_value_equal(step->knob, &step->to, &now->v[id]))
			return true;
	}
	return false;
}

static int check_unmerge(const struct ksm_txn *t, const struct ksm_sample *now,
			 const struct ksm_step *step, struct ksm_refusal *why)
{
	unsigned long long shared = ksm_u(now, KSM_PAGES_SHARED);
	struct ksm_metrics m;
	char need[32];
	int err;

	if (!(step->knob->flags & KNOB_NEEDS_UNMERGE) ||
	    ksm_value_equal(step->knob, &step->to, &step->from))
		return 0;
	/* an unreadable pages_shared is not 0: the kernel may say EBUSY,
	 * and an unmerge first could not be planned either */
	err = NEED(now, why, "cannot tell whether KSM pages are shared (the kernel refuses a change while they are)",
		   KSM_PAGES_SHARED);
	if (err || (t->flags & TXN_UNMERGE_FIRST) || shared == 0)
		return err;
	/* check_step() filled step->from from now before calling us */
	ksm_metrics_compute(now, &m);
	ksm_format_size(m.unmerge_bytes, need, sizeof(need));
	snprintf(why->why, sizeof(why->why),
		 "cannot change while %llu KSM pages are shared (the kernel says EBUSY): it needs an unmerge first, which needs about %s of memory; add --unmerge",
		 shared, need);
	return -EBUSY;
}

/*
 * Switching advisor_mode makes the kernel reset pages_to_scan (to 100 for
 * none), so a pages_to_scan equal to today's must still be written.
 */
static bool advisor_resets(const struct ksm_txn *t,
			   const struct ksm_sample *now, enum ksm_knob_id id)
{
	return id == KSM_PAGES_TO_SCAN && ksm_has(now, KSM_ADVISOR_MODE) &&
	       effective(t, now, KSM_ADVISOR_MODE) != ksm_u(now, KSM_ADVISOR_MODE);
}

static int check_step(struct ksm_txn *t, const struct ksm_root *root,
		      const struct ksm_sample *now, struct ksm_step *step,
		      struct ksm_refusal *why)
{
	enum ksm_knob_id id = ksm_knob_id(step->knob);
	char path[128];
	int err;

	if (now->v[id].err == -ENOENT) {
		ksm_explain_missing(step->knob, now, why->why, sizeof(why->why));
		return -ENOENT;
	}
	if (now->v[id].err) {
		ksm_sample_why(now, id, why->why, sizeof(why->why));
		return now->v[id].err;
	}
	step->from = now->v[id];
	if (ksm_knob_dir_on(step->knob, ksm_sample_dirs(now)) == KNOB_DIR_UKSM &&
	    step->knob->uksm_max && step->to.u > step->knob->uksm_max) {
		snprintf(why->why, sizeof(why->why),
			 "UKSM takes at most %llu: %s (the kernel says EINVAL)",
			 step->knob->uksm_max, step->knob->uksm_why);
		return -EINVAL;
	}
	if (id == KSM_RUN && step->to.u == 2 && !(t->flags & TXN_ALLOW_UNMERGE)) {
		snprintf(why->why, sizeof(why->why),
			 "run 2 unmerges every KSM page at once and needs memory for each: use 'ksmctl unmerge-all', which checks first");
		return -EINVAL;
	}
	if (id == KSM_ADVISOR_MODE && step->to.u == 2 &&
	    (err = NEED(now, why, "cannot tell whether this kernel has the CPU advisor",
			KSM_ADVISOR_TARGET_CPU)))
		return err;
	if (id == KSM_ADVISOR_MODE && step->to.u == 2 &&
	    !ksm_has(now, KSM_ADVISOR_TARGET_CPU)) {
		snprintf(why->why, sizeof(why->why),
			 "advisor_mode cpu needs the ksmctl kernel patches (kernel-patch/ in the ksmctl sources); this kernel has none and scan-time");
		return -ENOENT;
	}
	err = check_advisor(t, now, step, why);
	if (!err)
		err = check_idle_scan(t, now, step, why);
	if (!err)
		err = check_unmerge(t, now, step, why);
	if (err)
		return err;
	if (ksm_value_equal(step->knob, &step->to, &step->from) &&
	    !(id == KSM_RUN && step->to.u == 2) &&
	    !advisor_resets(t, now, id) &&
	    !(step->knob->flags & KNOB_WRITE_APPLIES)) {
		step->state = STEP_UNCHANGED;
		return 0;
	}
	ksm_knob_locate(root, step->knob, path, sizeof(path));
	err = ksm_root_writable(root, path);
	if (err)
		snprintf(why->why, sizeof(why->why), "cannot write it: %s",
			 strerror(-err));
	return err;
}

/*
 * Where a step goes in the write order, so that every intermediate state
 * is one the kernel accepts and means what it says:
 *   stop ksmd first when stopping, so nothing runs half-configured;
 *   the advisor limits so that min <= max throughout, and before
 *   advisor_mode, because switching it to scan-time starts pages_to_scan
 *   at advisor_min_pages_to_scan (the new one, then);
 *   advisor_mode before pages_to_scan, because switching it resets
 *   pages_to_scan;
 *   start ksmd last, with its settings in place.
 */
static int phase(const struct ksm_step *step, const struct ksm_step *steps,
		 int count)
{
	enum ksm_knob_id id = ksm_knob_id(step->knob);

	switch (id) {
	case KSM_RUN:
		return step->to.u == 0 ? 0 : 9;
	case KSM_ADVISOR_MODE:
		return 3;
	case KSM_UKSM_CPU_GOVERNOR:	/* loads a preset of the other UKSM knobs */
		return 1;
	case KSM_ADVISOR_MIN_PAGES_TO_SCAN:
	case KSM_ADVISOR_MAX_PAGES_TO_SCAN: {
		/* Raising the minimum above the old maximum: max goes first. */
		unsigned long long new_min = 0, old_max = ~0ULL;
		bool raise_min = false;

		for (int i = 0; i < count; i++) {
			enum ksm_knob_id o = ksm_knob_id(steps[i].knob);

			if (o == KSM_ADVISOR_MIN_PAGES_TO_SCAN) {
				new_min = steps[i].to.u;
				raise_min = true;
			} else if (o == KSM_ADVISOR_MAX_PAGES_TO_SCAN) {
				old_max = steps[i].from.u;
			}
		}
		if (raise_min && new_min > old_max)
			return id == KSM_ADVISOR_MAX_PAGES_TO_SCAN ? 1 : 2;
		return id == KSM_ADVISOR_MIN_PAGES_TO_SCAN ? 1 : 2;
	}
	default:
		return 4;
	}
}

static void order_steps(struct ksm_step *steps, int count)
{
	int phases[KSM_KNOB_COUNT];

	for (int i = 0; i < count; i++)
		phases[i] = phase(&steps[i], steps, count);
	/* insertion sort: stable, and count is at most the table size */
	for (int i = 1; i < count; i++) {
		struct ksm_step s = steps[i];
		int p = phases[i], j = i - 1;

		while (j >= 0 && (phases[j] > p ||
				  (phases[j] == p && steps[j].knob > s.knob))) {
			steps[j + 1] = steps[j];
			phases[j + 1] = phases[j];
			j--;
		}
		steps[j + 1] = s;
		phases[j + 1] = p;
	}
}

int ksm_txn_plan(struct ksm_txn *t, const struct ksm_root *root,
		 const struct ksm_sample *now, struct ksm_refusal *why,
		 const struct ksm_knob **culprit)
{
	t->have_pages_to_scan = ksm_has(now, KSM_PAGES_TO_SCAN);
	t->pages_to_scan = now->v[KSM_PAGES_TO_SCAN];
	for (int i = 0; i < t->count; i++) {
		int err = check_step(t, root, now, &t->steps[i], why);

		if (err) {
			if (culprit)
				*culprit = t->steps[i].knob;
			return err;
		}
	}
	order_steps(t->steps, t->count);
	return 0;
}

/*
 * Write one value and check that the kernel kept it; *failure (may be
 * NULL) says which part failed.
 */
static int write_checked(const struct ksm_root *root,
			 const struct ksm_knob *knob,
			 const struct ksm_value *to, struct ksm_value *seen,
			 enum ksm_step_failure *failure)
{
	enum ksm_step_failure dummy;
	enum ksm_knob_dir dir;
	char path[128], text[96];
	int err;

	if (!failure)
		failure = &dummy;
	*failure = STEP_FAIL_WRITE;
	ksm_knob_locate(root, knob, path, sizeof(path));
	ksm_knob_format(knob, to, text, sizeof(text));
	err = ksm_root_write(root, path, text);
	if (err)
		return err;
	*failure = STEP_FAIL_READ_BACK;
	err = ksm_knob_read(root, knob, seen);
	if (err)
		return err;
	*failure = STEP_FAIL_VALUE;
	dir = strncmp(path, KSM_UKSM_DIR "/", strlen(KSM_UKSM_DIR) + 1) ?
	      KNOB_DIR_KSM : KNOB_DIR_UKSM;
	return ksm_value_kept(knob, dir, to, seen) ? 0 : -EIO;
}

/*
 * Writing advisor_mode back made the kernel reset pages_to_scan (to 100
 * for none): put the value from before the transaction back too.
 */
static void restore_pages_to_scan(struct ksm_txn *t, const struct ksm_root *root,
				  const struct ksm_step *back, int n)
{
	const struct ksm_knob *pts = &ksm_knobs[KSM_PAGES_TO_SCAN];
	bool mode_restored = false;
	struct ksm_value now;

	if (!t->have_pages_to_scan)
		return;
	for (int i = 0; i < n; i++) {
		if (back[i].knob == pts)
			return;		/* restored as a step of its own */
		if (ksm_knob_id(back[i].knob) == KSM_ADVISOR_MODE)
			mode_restored = back[i].to.u == 0;
	}
	if (!mode_restored || ksm_knob_read(root, pts, &now) ||
	    ksm_value_equal(pts, &now, &t->pages_to_scan))
		return;
	if (write_checked(root, pts, &t->pages_to_scan, &now, NULL))
		t->pages_to_scan_lost = true;
	t->pages_to_scan_now = now;
}

/* Put back, in a valid order, what the failed transaction touched. */
static void restore(struct ksm_txn *t, const struct ksm_root *root)
{
	struct ksm_step back[KSM_KNOB_COUNT];
	int n = 0;

	for (int i = 0; i < t->count; i++) {
		if (t->steps[i].state != STEP_DONE &&
		    t->steps[i].state != STEP_FAILED)
			continue;
		back[n] = t->steps[i];
		back[n].from = t->steps[i].to;
		back[n].to = t->steps[i].from;
		/*
		 * run read 2 before (an unmerge happened): putting 2 back
		 * would unmerge a second time; 0 is the same stopped state.
		 */
		if (ksm_knob_id(back[n].knob) == KSM_RUN && back[n].to.u == 2)
			back[n].to.u = back[n].to.s = 0;
		n++;
	}
	order_steps(back, n);
	for (int i = 0; i < n; i++) {
		struct ksm_value seen;

		/* A failed write may have changed nothing: check first. */
		if (!ksm_knob_read(root, back[i].knob, &seen) &&
		    ksm_value_equal(back[i].knob, &seen, &back[i].to))
			continue;
		write_checked(root, back[i].knob, &back[i].to, &seen, NULL);
	}
	restore_pages_to_scan(t, root, back, n);
	/* Report what the files hold now, not what we hoped to write. */
	for (int i = 0; i < t->count; i++) {
		struct ksm_step *step = &t->steps[i];
		struct ksm_value now;
		bool back_ok;

		if (step->state != STEP_DONE && step->state != STEP_FAILED)
			continue;
		step->read_err = ksm_knob_read(root, step->knob, &now);
		back_ok = !step->read_err &&
			  (ksm_value_equal(step->knob, &now, &step->from) ||
			   (ksm_knob_id(step->knob) == KSM_RUN &&
			    step->from.u == 2 && now.u == 0));
		/* unreadable: unknown, which is not the same as changed */
		step->left_changed = !back_ok && !step->read_err;
		/* Put back fine: seen keeps the failed write's read-back (EIO). */
		if (!back_ok)
			step->seen = now;
		if (step->state == STEP_DONE)
			step->state = back_ok ? STEP_RESTORED : STEP_RESTORE_FAILED;
	}
}

int ksm_txn_apply(struct ksm_txn *t, const struct ksm_root *root)
{
	int failed = 0;

	for (int i = 0; i < t->count; i++) {
		struct ksm_step *step = &t->steps[i];

		if (failed) {
			if (step->state == STEP_PLANNED)
				step->state = STEP_NOT_REACHED;
			continue;
		}
		if (step->state != STEP_PLANNED)
			continue;
		step->err = write_checked(root, step->knob, &step->to,
					  &step->seen, &step->failure);
		step->state = step->err ? STEP_FAILED : STEP_DONE;
		/* report what the kernel keeps (a sleep rounded to a tick) */
		if (!step->err && (step->knob->flags & KNOB_UKSM_JIFFIES))
			step->to = step->seen;
		if (step->err)
			failed = step->err;
	}
	if (failed)
		restore(t, root);
	return failed;
}

bool ksm_txn_left_changed(const struct ksm_txn *t)
{
	for (int i = 0; i < t->count; i++)
		if (t->steps[i].left_changed)
			return true;
	return t->pages_to_scan_lost;
}
