/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KSMCTL_UNITS_H
#define KSMCTL_UNITS_H

#include <limits.h>
#include <stddef.h>

/*
 * Counter arithmetic never wraps.  Every bytes = pages x page size and
 * every sum of counters saturates: at KSM_SAT (2^64 - 1) unsigned, at
 * LLONG_MAX or LLONG_MIN signed.  A saturated size is shown as at least
 * that much: ">=16E" (ksm_format_size), ">=8E" and "<=-8E"
 * (ksm_format_ssize); in JSON and the export it is the limit itself.
 */
#define KSM_SAT ULLONG_MAX

static inline unsigned long long ksm_sat_add(unsigned long long a,
					     unsigned long long b)
{
	unsigned long long r;

	return __builtin_add_overflow(a, b, &r) ? KSM_SAT : r;
}

static inline unsigned long long ksm_sat_mul(unsigned long long a,
					     unsigned long long b)
{
	unsigned long long r;

	return __builtin_mul_overflow(a, b, &r) ? KSM_SAT : r;
}

static inline long long ksm_sat_sadd(long long a, long long b)
{
	long long r;

	if (!__builtin_add_overflow(a, b, &r))
		return r;
	return b > 0 ? LLONG_MAX : LLONG_MIN;
}

/* a - b as a signed amount, saturated. */
static inline long long ksm_sat_diff(unsigned long long a, unsigned long long b)
{
	if (a >= b)
		return a - b > (unsigned long long)LLONG_MAX ? LLONG_MAX :
							       (long long)(a - b);
	return b - a > (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN :
	       (long long)(0ULL - (b - a));
}

/* The bytes of pages pages: pages x page size, saturated. */
static inline unsigned long long ksm_pages_bytes(unsigned long long pages,
						 long page_size)
{
	return ksm_sat_mul(pages, page_size > 0 ? (unsigned long long)page_size : 0);
}

/* The same for a signed count of pages. */
static inline long long ksm_pages_sbytes(long long pages, long page_size)
{
	long long r;

	if (!__builtin_mul_overflow(pages, (long long)page_size, &r))
		return r;
	return pages < 0 ? LLONG_MIN : LLONG_MAX;
}

/*
 * IEC sizes as util-linux prints them: "0B", "512B", "4K", "1.5G"; KSM_SAT
 * (a saturated size) as ">=16E".
 */
void ksm_format_size(unsigned long long bytes, char *buf, size_t size);
/* The same for a signed amount: "-1.2M"; the limits as ">=8E", "<=-8E". */
void ksm_format_ssize(long long bytes, char *buf, size_t size);

#endif
