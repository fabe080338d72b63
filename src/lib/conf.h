/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /etc/ksmctl.conf, the settings `ksmctl apply` writes at boot:
 *
 *	# comment
 *	pages_to_scan = 1000
 *	governor = low		# a comment after a blank
 *	cpu_ratios = "20 40 MAX/4 MAX/1"
 *
 * One "name = value" per line; blanks around '=' and at either end are
 * dropped; '#' starts a comment at the start of a line or after a blank;
 * a value may be wrapped in double quotes (kept whole, '#' included).
 * Pure text in, lines out: what a name and a value mean is for the
 * caller to check against the kernel.
 */
#ifndef KSMCTL_CONF_H
#define KSMCTL_CONF_H

#include <stddef.h>

#define KSM_CONF_NAME_MAX 64
#define KSM_CONF_VALUE_MAX 256

struct ksm_conf_line {
	int line;			/* 1-based */
	const char *error;		/* NULL, or why the line is not a setting */
	char name[KSM_CONF_NAME_MAX];
	char value[KSM_CONF_VALUE_MAX];
};

/*
 * Called for every setting and every line that is not one (error set);
 * blank and comment lines are skipped.  A non-zero return stops the
 * parse and is returned.
 */
typedef int (*ksm_conf_fn)(const struct ksm_conf_line *l, void *data);

int ksm_conf_parse(const char *text, ksm_conf_fn fn, void *data);

#endif
