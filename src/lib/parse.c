// SPDX-License-Identifier: GPL-2.0-or-later
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <string.h>

/* At most one '\n' may follow the digits, and nothing after it. */
static int check_tail(const char *s)
{
	if (*s == '\n')
		s++;
	return *s ? -EINVAL : 0;
}

/* Digits only: the kernel's _parse_integer() with base 10. */
static int parse_digits(const char *s, unsigned long long *res,
			const char **end)
{
	unsigned long long val = 0;
	bool overflow = false;
	const char *p = s;

	while (*p >= '0' && *p <= '9') {
		unsigned int digit = (unsigned int)(*p - '0');

		if (val > (ULLONG_MAX - digit) / 10)
			overflow = true;
		val = val * 10 + digit;
		p++;
	}
	*end = p;
	if (p == s)
		return -EINVAL;
	if (overflow)
		return -ERANGE;
	*res = val;
	return 0;
}

/* The kernel's _kstrtoull(): no sign at all. */
static int kstrtoull10_unsigned(const char *s, unsigned long long *res)
{
	unsigned long long val;
	const char *end;
	int err;

	/* Overflow is reported before the tail is looked at, as in the kernel. */
	err = parse_digits(s, &val, &end);
	if (err)
		return err;
	err = check_tail(end);
	if (err)
		return err;
	*res = val;
	return 0;
}

int kstrtoull10(const char *s, unsigned long long *res)
{
	if (s[0] == '+')
		s++;
	return kstrtoull10_unsigned(s, res);
}

int kstrtoll10(const char *s, long long *res)
{
	unsigned long long tmp;
	int err;

	if (s[0] == '-') {
		err = kstrtoull10_unsigned(s + 1, &tmp);
		if (err)
			return err;
		if ((long long)(0 - tmp) > 0)
			return -ERANGE;
		*res = (long long)(0 - tmp);
		return 0;
	}
	err = kstrtoull10(s, &tmp);
	if (err)
		return err;
	if ((long long)tmp < 0)
		return -ERANGE;
	*res = (long long)tmp;
	return 0;
}

int kstrtouint10(const char *s, unsigned int *res)
{
	unsigned long long tmp;
	int err;

	err = kstrtoull10(s, &tmp);
	if (err)
		return err;
	if (tmp > UINT_MAX)
		return -ERANGE;
	*res = (unsigned int)tmp;
	return 0;
}

int kstrtoint10(const char *s, int *res)
{
	long long tmp;
	int err;

	err = kstrtoll10(s, &tmp);
	if (err)
		return err;
	if (tmp < INT_MIN || tmp > INT_MAX)
		return -ERANGE;
	*res = (int)tmp;
	return 0;
}

int kstrtobool_k(const char *s, bool *res)
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

bool sysfs_streq_k(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	if (*a == *b)
		return true;
	if (*a == '\n' && a[1] == '\0' && *b == '\0')
		return true;
	if (*b == '\n' && b[1] == '\0' && *a == '\0')
		return true;
	return false;
}

static int check_trailing_space(const char *end)
{
	while (isspace((unsigned char)*end))
		end++;
	return *end ? -EINVAL : 0;
}

int ksm_parse_ull(const char *s, unsigned long long *res)
{
	const char *end;
	int err;

	err = parse_digits(s, res, &end);
	return err ? err : check_trailing_space(end);
}

int ksm_parse_ll(const char *s, long long *res)
{
	unsigned long long mag;
	bool neg = s[0] == '-';
	const char *end;
	int err;

	err = parse_digits(s + neg, &mag, &end);
	if (err)
		return err;
	if (mag > (unsigned long long)LLONG_MAX + neg)
		return -ERANGE;
	*res = neg ? (long long)(0 - mag) : (long long)mag;
	return check_trailing_space(end);
}
