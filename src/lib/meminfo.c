// SPDX-License-Identifier: GPL-2.0-or-later
#include "meminfo.h"

#include <errno.h>
#include <string.h>

#include "parse.h"

static const char *const names[MEM_FIELD_COUNT] = {
	[MEM_TOTAL] = "MemTotal",
	[MEM_FREE] = "MemFree",
	[MEM_AVAILABLE] = "MemAvailable",
	[MEM_BUFFERS] = "Buffers",
	[MEM_CACHED] = "Cached",
	[MEM_SWAP_TOTAL] = "SwapTotal",
	[MEM_SWAP_FREE] = "SwapFree",
	[MEM_KSM_ZERO_PAGES] = "KsmZeroPages",
	[MEM_KSM_MERGED] = "KsmMerged",
};

const char *ksm_meminfo_name(enum ksm_meminfo_field field)
{
	return names[field];
}

/* "   1234 kB" -> bytes; a line without a unit is a count of bytes. */
static int parse_amount(const char *p, const char *eol,
			unsigned long long *bytes)
{
	unsigned long long n = 0;
	bool digits = false;

	while (p < eol && *p == ' ')
		p++;
	while (p < eol && *p >= '0' && *p <= '9') {
		unsigned int digit = (unsigned int)(*p - '0');

		if (n > (~0ULL - digit) / 10)
			return -ERANGE;
		n = n * 10 + digit;
		digits = true;
		p++;
	}
	if (!digits)
		return -EINVAL;
	while (p < eol && *p == ' ')
		p++;
	if (eol - p == 2 && !strncmp(p, "kB", 2)) {
		if (n > ~0ULL / 1024)
			return -ERANGE;
		n *= 1024;
	} else if (p != eol) {
		return -EINVAL;
	}
	*bytes = n;
	return 0;
}

int ksm_meminfo_parse(const char *text, struct ksm_meminfo *mi)
{
	const char *line = text;

	memset(mi, 0, sizeof(*mi));
	while (*line) {
		const char *eol = strchr(line, '\n');
		const char *colon;

		if (!eol)
			eol = line + strlen(line);
		colon = memchr(line, ':', (size_t)(eol - line));
		if (colon) {
			size_t klen = (size_t)(colon - line);

			for (int f = 0; f < MEM_FIELD_COUNT; f++) {
				if (strlen(names[f]) != klen ||
				    strncmp(names[f], line, klen))
					continue;
				if (!parse_amount(colon + 1, eol, &mi->bytes[f]))
					mi->present[f] = true;
				break;
			}
		}
		line = *eol ? eol + 1 : eol;
	}
	return mi->present[MEM_TOTAL] ? 0 : -ENODATA;
}
