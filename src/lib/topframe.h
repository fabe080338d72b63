/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The frame model of ksmctl top: what one screen (or one batch frame)
 * says, computed without a terminal.
 *
 * A model is what the header says (state, ksmd's CPU, scan settings,
 * memory saved and profit, rates), the findings, a summary of the
 * processes and the rows of the table, sorted: a pure function of two
 * samples, one process scan, ksmd's CPU time, the history and the view
 * (sort, grouping).  Laying it out on a screen of some width and height
 * (sparklines, column widths, cutting, scrolling) is the command
 * layer's (src/topview.h); drawing it is src/top.c's.
 */
#ifndef KSMCTL_TOPFRAME_H
#define KSMCTL_TOPFRAME_H

#include <stdbool.h>
#include <stddef.h>

#include "metrics.h"
#include "pcols.h"
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

/* "45s", "2m05s", "1h02m", "3d04h" */
void ksm_format_duration(double seconds, char *buf, size_t size);

/* ---- the view: what the user chose --------------------------------------- */

struct ksm_view {
	enum ksm_pcol sort;
	enum ksm_group_by by;	/* KSM_BY_NONE: one row per process */
	size_t top;		/* first row on screen */
	size_t selected;	/* highlighted row */
	bool paused;
	double delay;		/* seconds between refreshes */
	/* only processes with this text in a name (ksm_prow_match());
	 * "": all */
	char filter[64];
};

/* The columns of a view, left to right (of the column table, those top
 * shows); how many. */
int ksm_view_columns(enum ksm_group_by by, enum ksm_pcol *cols);
/* --sort NAME (any case) in a view: 0, or -ENOENT unknown, -EINVAL not
 * a column of this view. */
int ksm_view_parse_sort(const char *name, enum ksm_group_by by,
			enum ksm_pcol *out);
/* The sort column a view uses: sort, or PROFIT when the view lacks it. */
enum ksm_pcol ksm_view_sort(const struct ksm_view *v);
/* The next (dir 1) or previous (dir -1) column to sort by, cycling. */
enum ksm_pcol ksm_view_next_sort(const struct ksm_view *v, int dir);
/* process -> cgroup -> unit -> vm -> user -> comm -> process */
enum ksm_group_by ksm_view_next_group(enum ksm_group_by by);

/* ---- the model ----------------------------------------------------------- */

#define KSM_FRAME_LINE 2048

/*
 * ksmd's CPU share at or above which top warns on its own, while ksmd
 * runs (run 1): stopped, what it used is the interval's before it
 * stopped, and nothing to act on.
 */
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

/* A header line as the model says it, before it meets a width. */
struct ksm_model_line {
	enum ksm_fline_kind kind;	/* TITLE, SETTINGS, MEMORY or RATES */
	/* KSM_FL_MEMORY: the figure and its detail, padded so that the
	 * history of each memory line starts in the same column */
	enum ksm_hist_series series;
	char text[KSM_FRAME_LINE];
};

/* title, two lines of settings, saved and profit, rates */
#define KSM_MODEL_LINES 6

struct ksm_frame_model {
	struct ksm_model_line line[KSM_MODEL_LINES];
	int nlines;
	/* top's own findings (ksmd's cost), then those of status */
	struct ksm_finding findings[KSM_MAX_FINDINGS];
	int nfindings;
	char summary[KSM_FRAME_LINE];	/* processes, merging, profit */
	/* the table: rows sorted by sort, read against rows_ctx */
	struct ksm_prow_ctx rows_ctx;
	struct ksm_procstat system;
	struct ksm_prow *rows;
	size_t nrows;
	struct ksm_psum *groups;	/* what group rows point to */
	enum ksm_pcol sort;		/* the column sorted by */
	/* The figures behind the text. */
	struct ksm_metrics m;
	struct ksm_rates rates;
	bool have_rates;
	double ksmd_pct;		/* of one CPU; NAN when unknown */
};

/* Compute a model (in's width and height play no part); 0 or -ENOMEM.
 * Free it with ksm_frame_model_free(). */
int ksm_frame_model_compute(const struct ksm_frame_input *in,
			    struct ksm_frame_model *m);
void ksm_frame_model_free(struct ksm_frame_model *m);

/* A row that costs more than it saves: a negative profit, or not worth
 * scanning. */
bool ksm_frame_model_loss(const struct ksm_frame_model *m, size_t row);

#endif
