// SPDX-License-Identifier: GPL-2.0-or-later
#include "escape.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* A byte written as an escape (when not part of valid UTF-8). */
static bool escaped_byte(unsigned char c)
{
	return c < 0x20 || c >= 0x7f;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Would a backslash left as it is before s be read as the start of an
 * escape?  When what s turns into starts with a backslash, or is n, t,
 * r, or x and two lowercase hex digits of an escaped byte.
 */
static bool backslash_ambiguous(const unsigned char *s)
{
	int hi, lo;

	if (!*s)
		return false;
	if (*s == '\\' || *s == 'n' || *s == 't' || *s == 'r')
		return true;
	if (!utf8_sequence(s) && escaped_byte(*s))
		return true;
	if (*s != 'x' || (hi = hex_digit((char)s[1])) < 0 ||
	    (lo = hex_digit((char)s[2])) < 0)
		return false;
	return escaped_byte((unsigned char)(hi * 16 + lo));
}

static const char *short_escape(unsigned char c)
{
	switch (c) {
	case '\n': return "\\n";
	case '\t': return "\\t";
	case '\r': return "\\r";
	default: return NULL;
	}
}

/*
 * The escape; dst NULL counts only.  keep_backslash: the guard's mode.
 * Returns the length of the output (what was written, or would be).
 */
static size_t escape(const char *src, char *dst, size_t size,
		     bool keep_backslash)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t out = 0;

	if (dst && !size)
		return 0;
	while (*s) {
		char piece[8];
		size_t len = utf8_sequence(s), plen;
		const char *esc;

		if (len) {
			memcpy(piece, s, len);
			plen = len;
		} else if (*s == '\\') {
			len = 1;
			plen = !keep_backslash && backslash_ambiguous(s + 1) ? 2 : 1;
			memcpy(piece, "\\\\", plen);
		} else if ((esc = short_escape(*s))) {
			plen = strlen(esc);
			memcpy(piece, esc, plen);
			len = 1;
		} else if (escaped_byte(*s)) {
			plen = (size_t)snprintf(piece, sizeof(piece), "\\x%02x", *s);
			len = 1;
		} else {
			piece[0] = (char)*s;
			plen = len = 1;
		}
		if (dst && out + plen >= size)
			break;
		if (dst)
			memcpy(dst + out, piece, plen);
		out += plen;
		s += len;
	}
	if (dst)
		dst[out] = '\0';
	return out;
}

size_t ksm_escape(const char *src, char *dst, size_t size)
{
	return escape(src, dst, size, false);
}

size_t ksm_escape_len(const char *src)
{
	return escape(src, NULL, 0, false);
}

char *ksm_escape_dup(const char *src)
{
	size_t len = ksm_escape_len(src);
	char *dst = malloc(len + 1);

	if (dst)
		escape(src, dst, len + 1, false);
	return dst;
}

size_t ksm_escape_controls(const char *src, char *dst, size_t size)
{
	return escape(src, dst, size, true);
}
