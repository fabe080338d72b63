/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The frames of ksmctl top, computed without a terminal.
 *
 * A frame is what one screen (or one batch frame) shows: header lines
 * (state, scan settings, memory saved and profit with their history,
 * rates, ksmd's CPU, findings by severity), a summary line, the column
 * headings and the table rows, all as finished text cut to the width.
 * It is a pure function of two samples, one process scan, ksmd's CPU
 * time, the history and the view (sort, grouping, scrolling): the
 * screen code only puts it on the terminal, so everything it shows is
 * tested here.  Untrusted names are escaped with ksm_escape().
 */
#ifndef KSMCTL_TOPFRAME_H
#define KSMCTL_TOPFRAME_H

#include <stdbool.h>
#include <stddef.h>

#include "metrics.h"
#include "procs.h"
#include "sample.h"

/* ---- history ----------------------------------------------------------- */

#define KSM_HIST_MAX 512

enum ksm_hist_series { KSM_HIST_SAVED, KSM_HIST_PROFIT, KSM_HIST_COUNT };

struct ksm_history {
	double v[KSM_HIST_COUNT][KSM_HIST_MAX];	/* bytes, a ring */
	size_t start, n;
	/* Full scans: when the count last went up, to time the next one. */
	bool mark_set;
	struct timespec mark;
	unsigned long long mark_scans;
	double last_scan_s;	/* NAN until two ends of scans were seen */
};

void ksm_history_init(struct ksm_history *h);
/* Record cur (prev: the sample before it, NULL for the first). */
void ksm_history_push(struct ksm_history *h, const struct ksm_sample *prev,
		      const struct ksm_sample *cur);
/* The last (at most max) values of a series, oldest first; how many. */
size_t ksm_history_values(const struct ksm_history *h,
			  enum ksm_hist_series which, double *out, size_t max);

/*
 * A sparkline of n values scaled from their minimum to their maximum:
 * "▁▂▃▄▅▆▇█" with utf8, else " .:-=+*#".  Equal values show as a flat
 * line in the middle (at the bottom when all are 0).
 */
void ksm_sparkline(const double *v, size_t n, bool utf8, char *out,
		   size_t size);

/* ---- the view: what the user chose --------------------------------------- */

enum ksm_tcol {
	KSM_TC_PID,
	KSM_TC_USER,
	KSM_TC_COMM,
	KSM_TC_KEY,		/* the group's name (grouped views) */
	KSM_TC_PROCS,
	KSM_TC_MERGING,
	KSM_TC_ZERO,
	KSM_TC_RMAP,
	KSM_TC_PROFIT,
	KSM_TC_SHARE,
	KSM_TC_VERDICT,
	KSM_TC_UNIT,
	KSM_TC_COUNT
};

struct ksm_view {
	enum ksm_tcol sort;
	enum ksm_group_by by;	/* KSM_BY_NONE: one row per process */
	size_t top;		/* first row on screen */
	size_t selected;	/* highlighted row */
	bool paused;
	double delay;		/* seconds between refreshes */
};

/* The columns of a view, left to right; how many. */
int ksm_tcol_layout(enum ksm_group_by by, enum ksm_tcol *cols);
/* A column's heading in a view ("UNIT" for the key of --group-by unit). */
const char *ksm_tcol_name(enum ksm_tcol col, enum ksm_group_by by);
/* --sort NAME (any case) in a view: 0, or -ENOENT unknown, -EINVAL not
 * a column of this view. */
int ksm_tcol_parse(const char *name, enum ksm_group_by by,
		   enum ksm_tcol *out);
/* The sort column a view uses: sort, or PROFIT when the view lacks it. */
enum ksm_tcol ksm_view_sort(const struct ksm_view *v);
/* The next (dir 1) or previous (dir -1) column to sort by, cycling. */
enum ksm_tcol ksm_view_next_sort(const struct ksm_view *v, int dir);
/* process -> cgroup -> unit -> vm -> user -> comm -> process */
enum ksm_group_by ksm_view_next_group(enum ksm_group_by by);

/* ---- the frame ------------------------------------------------------------ */

#define KSM_FRAME_LINE 2048
#define KSM_FRAME_HEAD_MAX (8 + KSM_MAX_FINDINGS + 2)

/* ksmd's CPU share at or above which top warns on its own. */
#define KSM_KSMD_CPU_HIGH 25.0
/* ... and at or above which it warns when merging saves nothing. */
#define KSM_KSMD_CPU_NO_GAIN 5.0

enum ksm_fline_kind {
	KSM_FL_TITLE,		/* state, ksmd CPU, refresh */
	KSM_FL_SETTINGS,	/* scan settings, advisor */
	KSM_FL_MEMORY,		/* saved, profit: with a sparkline */
	KSM_FL_RATES,
	KSM_FL_FINDING,		/* sev says how bad */
	KSM_FL_MORE,		/* "N more findings" */
};

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

struct ksm_frame_input {
	const struct ksm_sample *prev;	/* NULL for the first frame */
	const struct ksm_sample *cur;
	const struct ksm_procs *procs;	/* NULL: no process figures */
	size_t procs_total;		/* processes on the system */
	bool only_pids;			/* procs holds the pids asked for */
	/* ksmd's CPU time at prev and cur (nanoseconds) when both known */
	bool ksmd_known;
	unsigned long long ksmd_prev_ns, ksmd_cur_ns;
	const struct ksm_history *hist;	/* may be NULL */
	const struct ksm_view *view;
	bool utf8;		/* the terminal takes UTF-8 */
	int width;		/* columns; 0: no limit (batch) */
	int height;		/* lines incl. a status line; 0: no limit */
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
	/* The figures behind the text. */
	struct ksm_metrics m;
	struct ksm_rates rates;
	bool have_rates;
	double ksmd_pct;		/* of one CPU; NAN when unknown */
	struct ksm_finding findings[KSM_MAX_FINDINGS];
	int nfindings;			/* all of them, shown or not */
	enum ksm_tcol sort;		/* the column sorted by */
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
 * Fit text into width terminal columns: cut at a character boundary,
 * padded with spaces (on the left when right).  Without utf8, bytes
 * above 0x7f are written as \xNN.  width < 0: no limit, no padding.
 * Returns the bytes written.
 */
size_t ksm_fit(const char *text, int width, bool right, bool utf8, char *out,
	       size_t size);

/* Terminal columns text takes (UTF-8 when utf8). */
int ksm_text_width(const char *text, bool utf8);

/* "45s", "2m05s", "1h02m", "3d04h" */
void ksm_format_duration(double seconds, char *buf, size_t size);

#endif
