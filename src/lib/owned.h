/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The knobs a daemon owns (tune, governor --follow): what each read when
 * the daemon began, what the daemon last wanted it to be, and whether it
 * has changed it.  From these: has someone else changed one of them
 * since (the follower then stops, the tuner says so and sets it again),
 * and what puts them back at exit: every knob the daemon changed that
 * still holds the daemon's value returns to its value at start; one that
 * someone else changed since is left alone, and named.
 *
 * Pure: samples in, decisions out.
 */
#ifndef KSMCTL_OWNED_H
#define KSMCTL_OWNED_H

#include <stdbool.h>
#include <stddef.h>

#include "sample.h"
#include "txn.h"

struct ksm_owned {
	struct ksm_value start[KSM_KNOB_COUNT];	/* when the daemon began */
	struct ksm_value desired[KSM_KNOB_COUNT]; /* what it last wanted */
	bool wanted[KSM_KNOB_COUNT];		/* desired[id] holds a value */
	bool owned[KSM_KNOB_COUNT];		/* it has changed the knob */
};

/* The knobs as s has them, none owned yet. */
void ksm_owned_init(struct ksm_owned *o, const struct ksm_sample *s);

/* Has the daemon changed any knob? */
bool ksm_owned_any(const struct ksm_owned *o);

/*
 * The daemon wants knob id at to, with the knobs as s has them: next
 * (a copy of prev) records it.  Returns true when that is a write (s
 * reads otherwise; next then owns the knob, valid once the write is
 * done).  *outside is set when prev owned the knob and someone else has
 * changed it since.
 */
bool ksm_owned_want(struct ksm_owned *next, const struct ksm_owned *prev,
		    const struct ksm_sample *s, enum ksm_knob_id id,
		    const struct ksm_value *to, bool *outside);

/* After an apply of t: its written steps are the daemon's, all wanted. */
void ksm_owned_wrote(struct ksm_owned *o, const struct ksm_txn *t);

/* A knob the daemon owns that now reads otherwise than it wanted, or -1. */
int ksm_owned_moved(const struct ksm_owned *o, const struct ksm_sample *now);

/*
 * The writes that put back what the daemon changed, into t (initialised
 * here): see the top.  run 2 comes back as 0; pages_to_scan is left to
 * the advisor when advisor_mode ends up other than none.  A knob left
 * alone is named in note ("X left at Y: changed outside the DAEMON").
 * Call again after applying: switching advisor_mode back resets
 * pages_to_scan, which the second call puts back.  Returns the count.
 */
int ksm_owned_restore(const struct ksm_owned *o, const struct ksm_sample *now,
		      const char *daemon, struct ksm_txn *t, char *note,
		      size_t size);

#endif
