// SPDX-License-Identifier: GPL-2.0-or-later
#include "units.h"

#include <stdio.h>

void ksm_format_size(unsigned long long bytes, char *buf, size_t size)
{
	static const char suffix[] = "BKMGTPE";
	unsigned long long whole = bytes, unit = 1, tenths;
	int exp = 0;

	if (bytes == KSM_SAT) {
		snprintf(buf, size, ">=16E");
		return;
	}
	while (whole >= 1024 && suffix[exp + 1]) {
		whole /= 1024;
		unit *= 1024;
		exp++;
	}
	if (exp == 0) {
		snprintf(buf, size, "%lluB", bytes);
		return;
	}
	/*
	 * One decimal, rounded half up from the whole remainder (as
	 * util-linux's size_to_human_string): 1101005 bytes are 1.1M.
	 * The remainder is below 2^60, so ten times it fits.
	 */
	tenths = ((bytes - whole * unit) * 10 + unit / 2) / unit;
	if (tenths == 10) {
		whole++;
		tenths = 0;
	}
	if (tenths)
		snprintf(buf, size, "%llu.%llu%c", whole, tenths, suffix[exp]);
	else
		snprintf(buf, size, "%llu%c", whole, suffix[exp]);
}

void ksm_format_ssize(long long bytes, char *buf, size_t size)
{
	unsigned long long mag;

	if (bytes == LLONG_MAX || bytes == LLONG_MIN) {
		snprintf(buf, size, "%s", bytes > 0 ? ">=8E" : "<=-8E");
		return;
	}
	if (bytes >= 0) {
		ksm_format_size((unsigned long long)bytes, buf, size);
		return;
	}
	mag = 0ULL - (unsigned long long)bytes;
	if (size < 2) {
		if (size)
			buf[0] = '\0';
		return;
	}
	buf[0] = '-';
	ksm_format_size(mag, buf + 1, size - 1);
}
