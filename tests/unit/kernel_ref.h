/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A model of what the kernel does with a string written to a knob of
 * /sys/kernel/mm/ksm, for the knob-level property test (test_knob_prop.c)
 * and the "knob" fuzz target (tests/fuzz/).
 *
 * Transcribed line by line from Linux 6.12 (Debian's linux-source-6.12):
 * lib/kstrtox.c (_parse_integer_limit, _kstrtoull, kstrtoull, kstrtoll,
 * kstrtoul, kstrtouint, kstrtoint, kstrtobool), lib/string.c
 * (sysfs_streq) and the *_store() functions of mm/ksm.c.  It shares no
 * code with src/lib/parse.c or src/lib/knobs.c on purpose: it is the
 * oracle they are checked against.  Only the parse is modelled, not the
 * state checks (advisor on, pages shared), which the transactions handle.
 *
 * The documented refusals (man/ksmctl.8, KNOBS) are written here too, from
 * the man page, so a refusal ksmctl adds without documenting it fails.
 */
#ifndef KSMCTL_TEST_KERNEL_REF_H
#define KSMCTL_TEST_KERNEL_REF_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/escape.h"
#include "lib/knobs.h"

#define KREF_OVERFLOW (1U << 31)	/* KSTRTOX_OVERFLOW */

static inline unsigned int kref_tolower(unsigned int c)
{
	return c | 0x20;	/* the kernel's _tolower() */
}

/* _parse_integer_limit(s, 10, p, INT_MAX) */
static inline unsigned int kref_parse_integer(const char *s,
					      unsigned long long *p)
{
	const unsigned int base = 10;
	unsigned long long res = 0;
	unsigned int rv = 0;

	for (;;) {
		unsigned int c = (unsigned char)*s;
		unsigned int lc = kref_tolower(c);
		unsigned int val;

		if ('0' <= c && c <= '9')
			val = c - '0';
		else if ('a' <= lc && lc <= 'f')
			val = lc - 'a' + 10;
		else
			break;
		if (val >= base)
			break;
		if (res & (~0ULL << 60)) {
			if (res > (ULLONG_MAX - val) / base)
				rv |= KREF_OVERFLOW;
		}
		res = res * base + val;
		rv++;
		s++;
	}
	*p = res;
	return rv;
}

/* _kstrtoull(s, 10, res): base 10 needs no radix fixup */
static inline int kref__kstrtoull(const char *s, unsigned long long *res)
{
	unsigned long long r;
	unsigned int rv = kref_parse_integer(s, &r);

	if (rv & KREF_OVERFLOW)
		return -ERANGE;
	if (rv == 0)
		return -EINVAL;
	s += rv;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = r;
	return 0;
}

static inline int kref_kstrtoull(const char *s, unsigned long long *res)
{
	if (s[0] == '+')
		s++;
	return kref__kstrtoull(s, res);
}

static inline int kref_kstrtoll(const char *s, long long *res)
{
	unsigned long long tmp;
	int rv;

	if (s[0] == '-') {
		rv = kref__kstrtoull(s + 1, &tmp);
		if (rv < 0)
			return rv;
		if ((long long)-tmp > 0)
			return -ERANGE;
		*res = (long long)-tmp;
	} else {
		rv = kref_kstrtoull(s, &tmp);
		if (rv < 0)
			return rv;
		if ((long long)tmp < 0)
			return -ERANGE;
		*res = (long long)tmp;
	}
	return 0;
}

/* kstrtoul on a 64-bit kernel: unsigned long is unsigned long long */
static inline int kref_kstrtoul(const char *s, unsigned long long *res)
{
	return kref_kstrtoull(s, res);
}

static inline int kref_kstrtouint(const char *s, unsigned long long *res)
{
	unsigned long long tmp;
	int rv = kref_kstrtoull(s, &tmp);

	if (rv < 0)
		return rv;
	if (tmp != (unsigned int)tmp)
		return -ERANGE;
	*res = tmp;
	return 0;
}

static inline int kref_kstrtoint(const char *s, long long *res)
{
	long long tmp;
	int rv = kref_kstrtoll(s, &tmp);

	if (rv < 0)
		return rv;
	if (tmp != (int)tmp)
		return -ERANGE;
	*res = tmp;
	return 0;
}

static inline int kref_kstrtobool(const char *s, bool *res)
{
	switch (s[0]) {
	case 'y': case 'Y': case 't': case 'T': case '1':
		*res = true;
		return 0;
	case 'n': case 'N': case 'f': case 'F': case '0':
		*res = false;
		return 0;
	case 'o': case 'O':
		switch (s[1]) {
		case 'n': case 'N':
			*res = true;
			return 0;
		case 'f': case 'F':
			*res = false;
			return 0;
		}
		break;
	}
	return -EINVAL;
}

static inline bool kref_sysfs_streq(const char *s1, const char *s2)
{
	while (*s1 && *s1 == *s2) {
		s1++;
		s2++;
	}
	if (*s1 == *s2)
		return true;
	if (!*s1 && *s2 == '\n' && !s2[1])
		return true;
	if (*s1 == '\n' && !s1[1] && !*s2)
		return true;
	return false;
}

/*
 * The knobs the model covers: every writable file of mainline 6.12.
 * (max_kernel_pages was 2.6.32's strict_strtoul, the UKSM files are
 * out of tree: neither is in the 6.12 source this is checked against.)
 */
static inline bool kref_covers(enum ksm_knob_id id)
{
	return id <= KSM_ADVISOR_TARGET_SCAN_TIME;
}

/*
 * The store of knob id for buf: 0 and *val (what the kernel keeps; bools
 * 0/1, advisor_mode 0 none / 1 scan-time), or the negative errno the
 * store returns.  A store that returns count keeps the value.
 */
static inline int kref_store(enum ksm_knob_id id, const char *buf,
			     unsigned long long *val)
{
	unsigned long long u;
	long long s;
	bool b;
	int err;

	switch (id) {
	case KSM_SLEEP_MILLISECS:		/* sleep_millisecs_store */
	case KSM_PAGES_TO_SCAN:			/* pages_to_scan_store */
	case KSM_STABLE_NODE_CHAINS_PRUNE_MILLISECS:
		if (kref_kstrtouint(buf, &u))
			return -EINVAL;
		*val = u;
		return 0;
	case KSM_RUN:				/* run_store */
		if (kref_kstrtouint(buf, &u))
			return -EINVAL;
		if (u > 2)
			return -EINVAL;
		*val = u;
		return 0;
	case KSM_MERGE_ACROSS_NODES:		/* merge_across_nodes_store */
		err = kref_kstrtoul(buf, &u);
		if (err)
			return err;
		if (u > 1)
			return -EINVAL;
		*val = u;
		return 0;
	case KSM_USE_ZERO_PAGES:		/* use_zero_pages_store */
	case KSM_SMART_SCAN:			/* smart_scan_store */
		if (kref_kstrtobool(buf, &b))
			return -EINVAL;
		*val = b;
		return 0;
	case KSM_MAX_PAGE_SHARING:		/* max_page_sharing_store */
		err = kref_kstrtoint(buf, &s);
		if (err)
			return err;
		if (s < 2)
			return -EINVAL;
		*val = (unsigned long long)s;
		return 0;
	case KSM_ADVISOR_MODE:			/* advisor_mode_store */
		if (kref_sysfs_streq("scan-time", buf))
			*val = 1;
		else if (kref_sysfs_streq("none", buf))
			*val = 0;
		else
			return -EINVAL;
		return 0;
	case KSM_ADVISOR_MAX_CPU:
	case KSM_ADVISOR_MIN_PAGES_TO_SCAN:
	case KSM_ADVISOR_MAX_PAGES_TO_SCAN:
		if (kref_kstrtoul(buf, &u))
			return -EINVAL;
		*val = u;
		return 0;
	case KSM_ADVISOR_TARGET_SCAN_TIME:	/* advisor_target_scan_time_store */
		if (kref_kstrtoul(buf, &u))
			return -EINVAL;
		if (u < 1)
			return -EINVAL;
		*val = u;
		return 0;
	default:
		return -EACCES;
	}
}

/*
 * What man/ksmctl.8 (KNOBS) says ksmctl refuses although the kernel takes
 * it, for a value the kernel accepted from buf: the boolean words other
 * than 0/1, n/y, no/yes, off/on, f/t, false/true (any case, one trailing
 * newline as everywhere), advisor_max_cpu outside 1..100 and
 * advisor_max_pages_to_scan 0.
 */
static inline bool kref_documented_refusal(enum ksm_knob_id id,
					   const char *buf,
					   unsigned long long val)
{
	static const char *const words[] = {
		"0", "1", "n", "y", "no", "yes", "off", "on", "f", "t",
		"false", "true",
	};
	size_t len = strlen(buf);

	switch (id) {
	case KSM_USE_ZERO_PAGES:
	case KSM_SMART_SCAN:
		if (len && buf[len - 1] == '\n')
			len--;
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strlen(words[i]) == len &&
			    !strncasecmp(words[i], buf, len))
				return false;
		return true;
	case KSM_ADVISOR_MAX_CPU:
		return val < 1 || val > 100;
	case KSM_ADVISOR_MAX_PAGES_TO_SCAN:
		return val == 0;
	default:
		return false;
	}
}

/* What reading the knob shows for a kept value (the *_show() format). */
static inline void kref_show(enum ksm_knob_id id, unsigned long long val,
			     char *buf, size_t size)
{
	if (id == KSM_ADVISOR_MODE)
		snprintf(buf, size, "%s\n", val ? "none [scan-time]" :
						  "[none] scan-time");
	else if (id == KSM_ADVISOR_MAX_CPU)
		snprintf(buf, size, "%u\n", (unsigned int)val);	/* an unsigned int */
	else
		snprintf(buf, size, "%llu\n", val);
}

/*
 * The property, for one knob and one string: ksmctl's kernel verdict is
 * the kernel's; ksmctl refuses what the kernel refuses, with the same
 * errno; it accepts what the kernel accepts except the documented
 * refusals (EDOM); what it would write (the canonical text) makes the
 * kernel keep the same value; the canonical text is accepted again as
 * is; the kernel's show of the value reads back equal (or every set
 * would report a read-back mismatch); and a refusal is one line.
 * Returns true, or false with why filled.
 */
static inline bool kref_check(enum ksm_knob_id id, const char *text,
			      char *why, size_t size)
{
	const struct ksm_knob *k = &ksm_knobs[id];
	unsigned long long kval = 0, cval = 0;
	struct ksm_value v, again, shown;
	struct ksm_refusal r = { "" };
	char canon[64], canon2[64], show[64];
	int kerr, verdict, err;

	kerr = kref_store(id, text, &kval);
	verdict = ksm_knob_kernel_verdict(k, text);
	if (verdict != kerr) {
		snprintf(why, size, "kernel verdict %d, the kernel says %d",
			 verdict, kerr);
		return false;
	}
	err = ksm_knob_parse_input(k, text, &v, canon, sizeof(canon), &r);
	if (err && (!r.why[0] || strpbrk(r.why, "\n\r\033"))) {
		snprintf(why, size, "refusal %d without a one-line reason", err);
		return false;
	}
	if (kerr) {
		if (err != kerr) {
			snprintf(why, size, "ksmctl says %d, the kernel %d", err,
				 kerr);
			return false;
		}
		return true;
	}
	if (kref_documented_refusal(id, text, kval)) {
		if (err != -EDOM) {
			snprintf(why, size, "ksmctl says %d, expected the documented refusal (EDOM)",
				 err);
			return false;
		}
		return true;
	}
	if (err) {
		snprintf(why, size, "the kernel keeps %llu, ksmctl refuses (%d: %.150s)",
			 kval, err, r.why);
		return false;
	}
	if (v.u != kval || (k->kind == KNOB_INT && v.s != (long long)kval)) {
		snprintf(why, size, "ksmctl parsed %llu/%lld, the kernel keeps %llu",
			 v.u, v.s, kval);
		return false;
	}
	if (kref_store(id, canon, &cval) || cval != kval) {
		snprintf(why, size, "ksmctl would write '%s', which the kernel does not keep as %llu",
			 canon, kval);
		return false;
	}
	if (ksm_knob_parse_input(k, canon, &again, canon2, sizeof(canon2), &r) ||
	    !ksm_value_equal(k, &v, &again) || strcmp(canon, canon2)) {
		snprintf(why, size, "canonical '%s' does not parse back to itself",
			 canon);
		return false;
	}
	kref_show(id, kval, show, sizeof(show));
	if (ksm_knob_parse_shown(k, show, &shown) ||
	    !ksm_value_equal(k, &v, &shown)) {
		snprintf(why, size, "the kernel's show of %llu does not read back equal",
			 kval);
		return false;
	}
	return true;
}

#endif
