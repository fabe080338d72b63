/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Userspace twins of the kernel's kstrto*() helpers (lib/kstrtox.c), so
 * ksmctl accepts exactly the strings a sysfs store accepts, and refuses
 * them with the same errno.
 */
#ifndef KSMCTL_PARSE_H
#define KSMCTL_PARSE_H

#include <stdbool.h>

/*
 * kstrtoull(s, 10): optional '+', decimal digits, at most one trailing
 * '\n'.  -EINVAL on syntax, -ERANGE on overflow of 64 bits.
 */
int kstrtoull10(const char *s, unsigned long long *res);
/* kstrtoll(s, 10): as above plus an optional leading '-'. */
int kstrtoll10(const char *s, long long *res);
/* kstrtouint / kstrtoint: -ERANGE when the value does not fit 32 bits. */
int kstrtouint10(const char *s, unsigned int *res);
int kstrtoint10(const char *s, int *res);
/* kstrtobool: looks at the first (two) characters only, like the kernel. */
int kstrtobool_k(const char *s, bool *res);
/* sysfs_streq: equal, ignoring one trailing newline on either side. */
bool sysfs_streq_k(const char *a, const char *b);

/*
 * Parse a counter as the kernel prints it ("%lu\n"): digits, then optional
 * whitespace.  Used for what we read, not for what users type.
 */
int ksm_parse_ull(const char *s, unsigned long long *res);
int ksm_parse_ll(const char *s, long long *res);

#endif
