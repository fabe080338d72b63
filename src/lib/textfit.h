/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Text measured and cut in terminal columns, for the two views that must
 * fit a terminal: `ps` (libsmartcols chooses each column's width, this
 * cuts a name to it with an ellipsis, which libsmartcols does not do)
 * and `top` (its layout, src/topview.c).  Pure functions of their input:
 * the caller says whether the terminal takes UTF-8.
 *
 * The text is what a view shows, so already escaped (lib/escape.h): valid
 * UTF-8 and no control characters.  Without utf8 a byte above 0x7f is
 * shown as "\xNN" (four columns), so what is measured is what is shown.
 */
#ifndef KSMCTL_TEXTFIT_H
#define KSMCTL_TEXTFIT_H

#include <stdbool.h>
#include <stddef.h>

/* Does the locale (LC_CTYPE) use UTF-8? */
bool ksm_locale_utf8(void);

/* Terminal columns text takes (UTF-8 when utf8, else \xNN per byte). */
int ksm_text_width(const char *text, bool utf8);

/*
 * Fit text into width terminal columns: cut at a character boundary,
 * padded with spaces (on the left when right).  Without utf8, bytes
 * above 0x7f are written as \xNN.  width < 0: no limit, no padding.
 * Returns the bytes written.
 */
size_t ksm_fit(const char *text, int width, bool right, bool utf8, char *out,
	       size_t size);

enum ksm_cut {
	KSM_CUT_END,	/* a name: its start is kept ("qemu-syst…") */
	KSM_CUT_START,	/* a path: its end is kept, from a '/' when one
			 * fits ("…/app.slice/foo.scope") */
	KSM_CUT_WORD,	/* a sentence: cut after a word ("ksmd uses…") */
};

/* "…" with UTF-8, "..." without. */
const char *ksm_ellipsis(bool utf8);

/*
 * text as it is when it fits in width columns, else cut where says and
 * marked with an ellipsis, so that a cut name never passes for a whole
 * one.  No padding.  A width too small for the ellipsis and one
 * character cuts without it.  Returns the bytes written.
 */
size_t ksm_cut(const char *text, int width, enum ksm_cut where, bool utf8,
	       char *out, size_t size);

/*
 * Where a line of at most width columns ends when text is wrapped: the
 * bytes of its longest start that ends with a whole word (blanks after
 * it not counted), or of as many characters as fit when a first word is
 * longer than the line.  At least one character of a non-empty text.
 */
size_t ksm_break(const char *text, int width, bool utf8);

#endif
