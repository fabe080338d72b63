// SPDX-License-Identifier: GPL-2.0-or-later
#include "units.h"

#include <stdio.h>

void ksm_format_size(unsigned long long bytes, char *buf, size_t size)
{
	static const char suffix[] = "BKMGTPE";
	unsigned long long whole = bytes, rest = 0;
	int exp = 0;

	while (whole >= 1024 && suffix[exp + 1]) {
		rest = whole % 1024;
		whole /= 1024;
		exp++;
	}
	if (exp == 0) {
		snprintf(buf, size, "%lluB", bytes);
		return;
	}
	/* one decimal, rounded; 1023.96K becomes 1024.0K, which is fine */
	rest = (rest * 10 + 512) / 1024;
	if (rest == 10) {
		whole++;
		rest = 0;
	}
	if (rest)
		snprintf(buf, size, "%llu.%llu%c", whole, rest, suffix[exp]);
	else
		snprintf(buf, size, "%llu%c", whole, suffix[exp]);
}

void ksm_format_ssize(long long bytes, char *buf, size_t size)
{
	unsigned long long mag;

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
