/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Knob transactions: the plan and the writes under the one change path
 * (change.h), which every writer goes through; only change.c applies.
 *
 *   add     parse each requested value with the kernel's rules
 *   plan    check the requests against the current sample (knob present,
 *           advisor owns pages_to_scan, min <= max, pages shared, ...)
 *           and order the writes so that no intermediate state is invalid
 *   apply   write, read back, and on any failure restore what was
 *           already written, in a valid order again
 *
 * Nothing here prints: every outcome is in the steps for the caller.
 */
#ifndef KSMCTL_TXN_H
#define KSMCTL_TXN_H

#include <stdbool.h>

#include "knobs.h"
#include "rootfs.h"
#include "sample.h"

enum ksm_step_state {
	STEP_PLANNED,
	STEP_UNCHANGED,		/* already had the value: not written */
	STEP_DONE,		/* written and read back */
	STEP_FAILED,		/* the write or its read-back failed */
	STEP_NOT_REACHED,	/* an earlier step failed */
	STEP_RESTORED,		/* written, then put back after a failure */
	STEP_RESTORE_FAILED,	/* written, and could not be put back */
};

/* What went wrong in a STEP_FAILED step, so the report names the cause. */
enum ksm_step_failure {
	STEP_FAIL_WRITE,	/* the write failed: err (-EIO: the kernel took part) */
	STEP_FAIL_READ_BACK,	/* written, then reading it back failed: err */
	STEP_FAIL_VALUE,	/* written, but it reads back seen (err -EIO) */
};

struct ksm_step {
	const struct ksm_knob *knob;
	struct ksm_value from;		/* before the transaction */
	struct ksm_value to;
	struct ksm_value seen;		/* read back, when it differed */
	enum ksm_step_state state;
	int err;
	enum ksm_step_failure failure;	/* when state is STEP_FAILED */
	bool left_changed;		/* after a failure: not back to from */
	int read_err;			/* after a failure: it cannot be read */
};

enum {
	/* Allow run=2 (the unmerge path checks memory first). */
	TXN_ALLOW_UNMERGE = 1 << 0,
	/* Skip the pages-shared check: the caller unmerges first. */
	TXN_UNMERGE_FIRST = 1 << 1,
};

struct ksm_txn {
	struct ksm_step steps[KSM_KNOB_COUNT];
	int count;
	unsigned int flags;
	/*
	 * pages_to_scan before the transaction: the kernel resets it when
	 * advisor_mode changes, so a restore of advisor_mode needs it.
	 */
	struct ksm_value pages_to_scan, pages_to_scan_now;
	bool have_pages_to_scan, pages_to_scan_lost;
	/*
	 * KNOB_IN_* bits of the kernel's knob directories, for the parse
	 * rules of ksm_txn_add() (UKSM's are stricter); 0: mainline KSM.
	 */
	unsigned int dirs;
};

void ksm_txn_init(struct ksm_txn *t, unsigned int flags);

/* Request knob=text.  Refusals: see ksm_knob_parse_input(); -ENOENT for
 * an unknown name; -EEXIST when the knob was already requested. */
int ksm_txn_add(struct ksm_txn *t, const char *name, const char *text,
		struct ksm_refusal *why);
/* Request a parsed value (for callers that computed it). */
int ksm_txn_add_value(struct ksm_txn *t, enum ksm_knob_id id,
		      const struct ksm_value *value);

/*
 * Check the requests against now and order them.  Returns 0, or the
 * first refusal with why naming the knob:
 *   -ENOENT   the kernel lacks the knob (why says which version added it)
 *   -EBUSY    the change needs an unmerge first
 *   -EINVAL   the kernel would refuse it in this state (advisor on, ...)
 *   -EDOM     min > max and similar nonsense the kernel would take
 *   -EACCES, -EROFS, ...: the file cannot be written by us
 *   -ENODATA  a check needs a value the sample could not read (another
 *             knob or counter, ksm_bad()): unknown is not 0
 * A requested knob that could not be read itself is refused with its
 * read's -errno (-EBADMSG: it held no value).
 * The knob a refusal concerns is returned in *culprit when not NULL.
 */
int ksm_txn_plan(struct ksm_txn *t, const struct ksm_root *root,
		 const struct ksm_sample *now, struct ksm_refusal *why,
		 const struct ksm_knob **culprit);

/*
 * Write the planned steps.  On failure restores every step already done
 * (newest first, in a valid order), and returns the first error; the
 * steps' states tell exactly what the system holds now.
 */
int ksm_txn_apply(struct ksm_txn *t, const struct ksm_root *root);

/* True when a requested change needs an unmerge first (pages shared). */
bool ksm_txn_needs_unmerge(const struct ksm_txn *t,
			   const struct ksm_sample *now);

/* True when some step is left changed after a failed apply. */
bool ksm_txn_left_changed(const struct ksm_txn *t);

/* Explain that a knob is missing: "added in Linux 6.8", NUMA, ... */
void ksm_explain_missing(const struct ksm_knob *knob,
			 const struct ksm_sample *now, char *buf, size_t size);

#endif
