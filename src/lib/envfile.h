/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shell-style KEY=VALUE files as /etc/default/ksm, /etc/sysconfig/ksm and
 * /etc/ksmtuned.conf are written: comments, blank lines, optional
 * "export", single or double quotes, a trailing "# comment".
 */
#ifndef KSMCTL_ENVFILE_H
#define KSMCTL_ENVFILE_H

#include <stddef.h>

/*
 * Called for each assignment; a non-zero return stops the parse and is
 * returned.  line is 1-based.
 */
typedef int (*ksm_env_fn)(const char *key, const char *value, int line,
			  void *data);

/*
 * Parse text.  Returns 0, the callback's non-zero value, or -EINVAL for a
 * line that is not an assignment, with *bad_line set to its number.
 */
int ksm_envfile_parse(const char *text, ksm_env_fn fn, void *data,
		      int *bad_line);

/* Look up one key; 0 and value filled, -ENOENT if absent, -EINVAL bad. */
int ksm_envfile_get(const char *text, const char *key, char *value,
		    size_t size, int *bad_line);

#endif
