// SPDX-License-Identifier: GPL-2.0-or-later
#include "escape.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Length of a valid UTF-8 sequence at s (2..4), or 0. */
static size_t utf8_sequence(const unsigned char *s)
{
	size_t len, i;
	unsigned int cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF; C1 controls */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
	    (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return len;
}

static const char *short_escape(unsigned char c)
{
	switch (c) {
	case '\n': return "\\n";
	case '\t': return "\\t";
	case '\r': return "\\r";
	case '\\': return "\\\\";
	default: return NULL;
	}
}

static size_t escape(const char *src, char *dst, size_t size,
		     bool keep_backslash)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t out = 0;

	if (!size)
		return 0;
	while (*s) {
		char piece[8];
		size_t len = utf8_sequence(s), plen;
		const char *esc;

		if (len) {
			memcpy(piece, s, len);
			plen = len;
		} else if (*s == '\\' && keep_backslash) {
			piece[0] = '\\';
			plen = len = 1;
		} else if ((esc = short_escape(*s))) {
			plen = strlen(esc);
			memcpy(piece, esc, plen);
			len = 1;
		} else if (*s < 0x20 || *s >= 0x7f) {
			plen = (size_t)snprintf(piece, sizeof(piece), "\\x%02x", *s);
			len = 1;
		} else {
			piece[0] = (char)*s;
			plen = len = 1;
		}
		if (out + plen >= size)
			break;
		memcpy(dst + out, piece, plen);
		out += plen;
		s += len;
	}
	dst[out] = '\0';
	return out;
}

size_t ksm_escape(const char *src, char *dst, size_t size)
{
	return escape(src, dst, size, false);
}

size_t ksm_escape_name(const char *src, char *dst, size_t size)
{
	return escape(src, dst, size, true);
}
