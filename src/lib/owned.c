// SPDX-License-Identifier: GPL-2.0-or-later
/* The knobs a daemon owns: see owned.h. */
#include "owned.h"

#include <stdio.h>
#include <string.h>

void ksm_owned_init(struct ksm_owned *o, const struct ksm_sample *s)
{
	memset(o, 0, sizeof(*o));
	for (int id = 0; id < KSM_KNOB_COUNT; id++)
		o->start[id] = s->v[id];
}

bool ksm_owned_any(const struct ksm_owned *o)
{
	for (int id = 0; id < KSM_KNOB_COUNT; id++)
		if (o->owned[id])
			return true;
	return false;
}

static bool reads(const struct ksm_sample *s, enum ksm_knob_id id,
		  const struct ksm_value *v)
{
	return ksm_has(s, id) && ksm_value_equal(&ksm_knobs[id], &s->v[id], v);
}

bool ksm_owned_want(struct ksm_owned *next, const struct ksm_owned *prev,
		    const struct ksm_sample *s, enum ksm_knob_id id,
		    const struct ksm_value *to, bool *outside)
{
	*outside = false;
	next->desired[id] = *to;
	next->wanted[id] = true;
	if (!ksm_has(s, id) || reads(s, id, to))
		return false;
	*outside = prev->owned[id] && prev->wanted[id] &&
		   !reads(s, id, &prev->desired[id]);
	next->owned[id] = true;
	return true;
}

void ksm_owned_wrote(struct ksm_owned *o, const struct ksm_txn *t)
{
	for (int i = 0; i < t->count; i++) {
		const struct ksm_step *st = &t->steps[i];
		enum ksm_knob_id id = ksm_knob_id(st->knob);

		if (st->state != STEP_DONE && st->state != STEP_UNCHANGED)
			continue;
		o->desired[id] = st->to;
		o->wanted[id] = true;
		o->owned[id] |= st->state == STEP_DONE;
	}
}

int ksm_owned_moved(const struct ksm_owned *o, const struct ksm_sample *now)
{
	for (int id = 0; id < KSM_KNOB_COUNT; id++)
		if (o->owned[id] && o->wanted[id] && ksm_has(now, id) &&
		    !reads(now, id, &o->desired[id]))
			return id;
	return -1;
}

static void append(char *note, size_t size, const char *text)
{
	size_t len = strlen(note);

	snprintf(note + len, size - len, "%s%s", len ? "; " : "", text);
}

/* May the restore put knob id back?  Not when someone changed it since. */
static bool still_ours(const struct ksm_owned *o, const struct ksm_sample *now,
		       enum ksm_knob_id id, const char *daemon, char *note,
		       size_t size)
{
	char shown[64], line[160];

	if (!o->owned[id])
		return false;
	if (!o->wanted[id] || reads(now, id, &o->desired[id]))
		return true;
	ksm_knob_format(&ksm_knobs[id], &now->v[id], shown, sizeof(shown));
	snprintf(line, sizeof(line), "%s left at %s: changed outside the %s",
		 ksm_knobs[id].name, shown, daemon);
	append(note, size, line);
	return false;
}

int ksm_owned_restore(const struct ksm_owned *o, const struct ksm_sample *now,
		      const char *daemon, struct ksm_txn *t, char *note,
		      size_t size)
{
	/* advisor_mode before pages_to_scan: the mode decides who owns it */
	static const enum ksm_knob_id order[] = {
		KSM_RUN, KSM_ADVISOR_MODE, KSM_ADVISOR_MAX_CPU,
		KSM_SLEEP_MILLISECS, KSM_PAGES_TO_SCAN,
	};
	unsigned long long mode_after = ksm_u(now, KSM_ADVISOR_MODE);

	ksm_txn_init(t, 0);
	note[0] = '\0';
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum ksm_knob_id id = order[i];
		struct ksm_value to = o->start[id];
		bool restore;

		if (now->v[id].err || to.err)
			continue;
		if (id == KSM_RUN && to.u == 2)
			to.u = to.s = 0;	/* the same stopped state */
		if (id == KSM_PAGES_TO_SCAN && mode_after != 0)
			continue;		/* the advisor owns it */
		/*
		 * Switching the advisor off resets pages_to_scan to 100:
		 * after the daemon switched the mode, put it back too.
		 */
		if (id == KSM_PAGES_TO_SCAN && o->owned[KSM_ADVISOR_MODE])
			restore = true;
		else
			restore = still_ours(o, now, id, daemon, note, size);
		if (!restore || reads(now, id, &to))
			continue;
		if (id == KSM_ADVISOR_MODE)
			mode_after = to.u;
		ksm_txn_add_value(t, id, &to);
	}
	return t->count;
}
