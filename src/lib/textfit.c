// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Text in terminal columns: measuring, fitting and cutting with an
 * ellipsis (see textfit.h).
 */
#include "textfit.h"

#include <langinfo.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

bool ksm_locale_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
}

/* One character of the text as the terminal shows it. */
struct piece {
	size_t len;		/* bytes of the source */
	int width;		/* terminal columns */
	char esc[8];		/* what to write instead, when not "" */
};

static void next_piece(const unsigned char *s, bool utf8, struct piece *pc)
{
	size_t len;
	wchar_t cp;
	int w;

	pc->esc[0] = '\0';
	pc->len = 1;
	pc->width = 1;
	if (*s < 0x80)
		return;
	if (!utf8) {
		snprintf(pc->esc, sizeof(pc->esc), "\\x%02x", *s);
		pc->width = 4;
		return;
	}
	/* escaped text and our own holds only valid UTF-8 */
	len = *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : *s >= 0xc0 ? 2 : 1;
	cp = len == 1 ? *s : (wchar_t)(*s & (0x7f >> len));
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			len = i;
			break;
		}
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	pc->len = len;
	w = wcwidth(cp);
	pc->width = w < 0 ? 1 : w;
}

int ksm_text_width(const char *text, bool utf8)
{
	const unsigned char *s = (const unsigned char *)text;
	struct piece pc;
	int w = 0;

	for (; *s; s += pc.len) {
		next_piece(s, utf8, &pc);
		w += pc.width;
	}
	return w;
}

size_t ksm_fit(const char *text, int width, bool right, bool utf8, char *out,
	       size_t size)
{
	const unsigned char *s = (const unsigned char *)text, *end;
	struct piece pc;
	size_t o = 0;
	int used = 0, pad;

	if (!size)
		return 0;
	while (*s) {
		next_piece(s, utf8, &pc);
		if (width >= 0 && used + pc.width > width)
			break;
		used += pc.width;
		s += pc.len;
	}
	end = s;
	pad = width >= 0 ? width - used : 0;
	for (; right && pad > 0 && o + 1 < size; pad--)
		out[o++] = ' ';
	for (s = (const unsigned char *)text; s < end; s += pc.len) {
		const char *src = (const char *)s;
		size_t n;

		next_piece(s, utf8, &pc);
		n = pc.len;
		if (pc.esc[0]) {
			src = pc.esc;
			n = strlen(pc.esc);
		}
		if (o + n >= size)
			break;
		memcpy(out + o, src, n);
		o += n;
	}
	for (; pad > 0 && o + 1 < size; pad--)
		out[o++] = ' ';
	out[o] = '\0';
	return o;
}

const char *ksm_ellipsis(bool utf8)
{
	return utf8 ? "\u2026" : "...";
}

static size_t append(char *out, size_t size, size_t o, const char *s)
{
	size_t n = strlen(s);

	if (o + n >= size)
		return o;
	memcpy(out + o, s, n + 1);
	return o + n;
}

/*
 * The start of text that fits in keep columns: its width in *w and, for
 * a sentence, where its last word ends (0: no word ends in it).
 */
static size_t head(const char *text, int keep, bool utf8, int *w,
		   size_t *word_end, int *word_w)
{
	const unsigned char *s = (const unsigned char *)text;
	struct piece pc;
	int used = 0;

	*word_end = 0;
	*word_w = 0;
	for (; *s; s += pc.len) {
		next_piece(s, utf8, &pc);
		if (used + pc.width > keep)
			break;
		if (*s == ' ' && s > (const unsigned char *)text && s[-1] != ' ') {
			*word_end = (size_t)(s - (const unsigned char *)text);
			*word_w = used;
		}
		used += pc.width;
	}
	/* the last word that fits ends right there */
	if ((!*s || *s == ' ') && used) {
		*word_end = (size_t)(s - (const unsigned char *)text);
		*word_w = used;
	}
	*w = used;
	return (size_t)(s - (const unsigned char *)text);
}

/* Where the end of text that fits in keep columns starts. */
static const char *tail(const char *text, int keep, bool utf8)
{
	const unsigned char *s = (const unsigned char *)text;
	int total = ksm_text_width(text, utf8);
	struct piece pc;
	const char *slash;

	for (; *s && total > keep; s += pc.len) {
		next_piece(s, utf8, &pc);
		total -= pc.width;
	}
	/*
	 * A path reads best from a whole component ("…/foo.scope"), unless
	 * reaching one loses what tells it from its neighbours
	 * ("…/emulator" for every VM): at most a quarter of the room.
	 */
	slash = strchr((const char *)s, '/');
	if (slash && slash[1] && (slash - (const char *)s) * 4 <= keep)
		return slash;
	return (const char *)s;
}

size_t ksm_break(const char *text, int width, bool utf8)
{
	size_t end, word_end;
	int w, word_w;

	if (width < 0 || ksm_text_width(text, utf8) <= width)
		return strlen(text);
	end = head(text, width, utf8, &w, &word_end, &word_w);
	if (word_end)
		return word_end;
	if (!end && *text) {	/* a character wider than the line */
		struct piece pc;

		next_piece((const unsigned char *)text, utf8, &pc);
		return pc.len;
	}
	return end;
}

size_t ksm_cut(const char *text, int width, enum ksm_cut where, bool utf8,
	       char *out, size_t size)
{
	const char *mark = ksm_ellipsis(utf8);
	int keep = width - ksm_text_width(mark, utf8), w, word_w;
	size_t o, word_end;

	if (!size)
		return 0;
	if (width < 0 || ksm_text_width(text, utf8) <= width)
		return ksm_fit(text, -1, false, utf8, out, size);
	/* no room for a mark and one character: cut it plain */
	if (keep < 1)
		return ksm_fit(text, width, false, utf8, out, size);
	if (where == KSM_CUT_START) {
		o = append(out, size, 0, mark);
		return o + ksm_fit(tail(text, keep, utf8), -1, false, utf8,
				   out + o, size - o);
	}
	head(text, keep, utf8, &w, &word_end, &word_w);
	/* a sentence is cut after a word, unless that loses half of it */
	if (where == KSM_CUT_WORD && word_end && word_w * 2 >= keep)
		w = word_w;
	/* exactly w columns: ksm_fit cuts where head() did, and pads none */
	o = ksm_fit(text, w, false, utf8, out, size);
	while (o && out[o - 1] == ' ')
		out[--o] = '\0';
	return append(out, size, o, mark);
}
