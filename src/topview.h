/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ksmctl top's frames laid out: the frame model of lib/topframe.h put
 * into lines of text for a screen of some width and height (or for
 * batch output, without limits).
 *
 * Layout, not KSM knowledge: cutting and padding text to terminal
 * columns, sparklines of the history, how many findings fit, column
 * widths, the cells' short forms, scrolling.  Still a pure function of
 * its input, so everything top shows is tested without a terminal; the
 * screen code (src/top.c) only puts the lines on it.  Untrusted names
 * are escaped with ksm_escape().
 */
#ifndef KSMCTL_TOPVIEW_H
#define KSMCTL_TOPVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strpool.h"
#include "lib/textfit.h"	/* ksm_fit(), ksm_text_width() */
#include "lib/topframe.h"

#define KSM_FRAME_HEAD_MAX (8 + KSM_MAX_FINDINGS + 2)

struct ksm_fline {
	enum ksm_fline_kind kind;
	enum ksm_severity sev;
	int spark;		/* byte offset of the sparkline, -1: none */
	char text[KSM_FRAME_LINE];
};

struct ksm_frow {
	size_t text;		/* offset in the frame's pool */
	int pid;		/* process rows; 0 for groups */
	size_t key;		/* group rows: pool offset of the name in procs */
	bool loss;		/* negative profit or not worth scanning */
};

struct ksm_frame {
	struct ksm_fline head[KSM_FRAME_HEAD_MAX];
	int nhead;
	char summary[KSM_FRAME_LINE];
	char headings[KSM_FRAME_LINE];	/* the column headings */
	int sort_off, sort_len;		/* the sort column in headings (bytes) */
	struct ksm_frow *rows;
	size_t nrows;
	struct ksm_strpool pool;	/* row texts */
	size_t top, selected;		/* the view's, clamped */
	size_t visible;			/* table rows that fit */
	/* The figures behind the text (the model's). */
	struct ksm_metrics m;
	struct ksm_rates rates;
	bool have_rates;
	double ksmd_pct;		/* of one CPU; NAN when unknown */
	struct ksm_finding findings[KSM_MAX_FINDINGS];
	int nfindings;			/* all of them, shown or not */
	enum ksm_pcol sort;		/* the column sorted by */
};

/* Compute a frame; 0 or -ENOMEM.  Free it with ksm_frame_free(). */
int ksm_frame_compute(const struct ksm_frame_input *in, struct ksm_frame *f);
void ksm_frame_free(struct ksm_frame *f);

static inline const char *ksm_frame_row(const struct ksm_frame *f, size_t i)
{
	return ksm_strpool_at(&f->pool, f->rows[i].text);
}

/* Lines the frame's header, summary and headings take on screen. */
static inline int ksm_frame_fixed_lines(const struct ksm_frame *f)
{
	return f->nhead + 2;
}

/* ---- the key bar ------------------------------------------------------- */

/* A key and what it does, on the one line at the bottom of the screen. */
struct ksm_key_hint {
	const char *key;	/* "Enter", "/", "s" */
	const char *label;	/* "detail" */
	int rank;		/* 1 is kept longest; larger ones go first */
};

/*
 * The hints that fit width columns as "KEY label" two blanks apart: the
 * best ranked, shown in their order (shown[i]).  Returns the columns
 * they take.
 */
int ksm_keybar(const struct ksm_key_hint *h, size_t n, int width, bool utf8,
	       bool *shown);

/* ---- one process in detail ------------------------------------------------ */

/* What the detail of one process (Enter) is read from. */
struct ksm_detail_input {
	int pid;
	/* the process scanned alone with every name (n == 1); NULL when
	 * it could not be read: err says why (-ESRCH: gone) */
	const struct ksm_procs *procs;
	int err;
	const struct ksm_areas *areas;	/* its mergeable areas, or NULL */
	int areas_err;			/* why not */
	const struct ksm_procstat *system;	/* for its share */
	long page_size;
	bool utf8;
	int width;			/* columns; 0: no limit */
};

/* Lines of text, in one pool. */
struct ksm_lines {
	struct ksm_strpool pool;
	size_t *off;
	size_t n, ncap;
};

/*
 * The detail as lines that fit width: who it is (command, user, unit,
 * VM, cgroup, wrapped rather than cut), its verdict and share, every
 * field of its ksm_stat, and its mergeable areas (smaps, VmFlags "mg")
 * with their KSM pages where the kernel reports them.  Untrusted names
 * escaped.  0 or -ENOMEM; free with ksm_lines_free().
 */
int ksm_detail_compute(const struct ksm_detail_input *d, struct ksm_lines *out);
void ksm_lines_free(struct ksm_lines *l);

static inline const char *ksm_line(const struct ksm_lines *l, size_t i)
{
	return ksm_strpool_at(&l->pool, l->off[i]);
}

/*
 * Wrap text into at most max lines of width columns, at words (a word
 * longer than a line is cut); continuation lines start after indent
 * blanks; the last line there is room for ends with an ellipsis when
 * text is left.  How many lines.
 */
int ksm_wrap(const char *text, int width, int indent, bool utf8,
	     char (*out)[KSM_FRAME_LINE], int max);

/*
 * A sparkline of n values scaled from their minimum to their maximum:
 * "▁▂▃▄▅▆▇█" with utf8, else " .:-=+*#".  Equal values show as a flat
 * line in the middle (at the bottom when all are 0).
 */
void ksm_sparkline(const double *v, size_t n, bool utf8, char *out,
		   size_t size);

#endif
