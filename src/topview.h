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
 * are escaped with ksm_escape_name().
 */
#ifndef KSMCTL_TOPVIEW_H
#define KSMCTL_TOPVIEW_H

#include <stdbool.h>
#include <stddef.h>

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
	char *pool;			/* row texts */
	size_t pool_len, pool_cap;
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
	return f->pool + f->rows[i].text;
}

/* Lines the frame's header, summary and headings take on screen. */
static inline int ksm_frame_fixed_lines(const struct ksm_frame *f)
{
	return f->nhead + 2;
}

/*
 * A sparkline of n values scaled from their minimum to their maximum:
 * "▁▂▃▄▅▆▇█" with utf8, else " .:-=+*#".  Equal values show as a flat
 * line in the middle (at the bottom when all are 0).
 */
void ksm_sparkline(const double *v, size_t n, bool utf8, char *out,
		   size_t size);

#endif
