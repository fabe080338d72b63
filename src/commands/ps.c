// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl ps: which processes use KSM, what it saves or costs each, and
 * the same summed per cgroup, systemd unit, VM, user or command.
 *
 * The columns are the process views' one table (lib/pcols.h), shared
 * with top, as in lsblk and zramctl: it drives -o, --sort, the column
 * help, JSON types, width hints and what the scan has to read.
 * libsmartcols prints the table, raw and JSON forms.  Untrusted text
 * (comm, cgroup paths) is safe-encoded by libsmartcols in the raw form
 * (control characters as \xNN, as lsblk shows them), escaped by us in
 * the table, and JSON carries the real string, escaped as JSON.
 *
 * As lsblk does, the table fits the terminal when it goes to one: the
 * default columns are chosen for 80 columns, libsmartcols sizes them
 * from their width hints, and a name it makes narrower than its text is
 * cut with an ellipsis (a cgroup path from the left).  Not a terminal,
 * or columns the user chose (-o, --output-all): every cell whole, as
 * wide as it is, so that pipes and scripts keep all of it.  -r and -J
 * are never cut.
 */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <libsmartcols.h>
#include <locale.h>
#include <math.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../ksmctl.h"
#include "../report.h"
#include "../lib/escape.h"
#include "../lib/parse.h"
#include "../lib/pcols.h"
#include "../lib/procs.h"
#include "../lib/textfit.h"
#include "../lib/units.h"
#include "../show.h"

extern const struct ksm_command cmd_ps;

enum out_mode { OUT_TABLE, OUT_RAW, OUT_JSON };

#define MAX_OUTPUTS 8

struct ps_opts {
	enum out_mode mode;
	bool noheadings, bytes, all, output_all;
	enum ksm_group_by by;
	const char *outputs[MAX_OUTPUTS];
	int noutputs;
	const char *sort_name;
	int *pids;
	size_t npids, pids_cap;
	bool by_uid;
	unsigned int uid;
	unsigned int width;	/* --width: fit this many columns; 0 not */
};

/* What printing needs besides the options. */
struct ps_ctx {
	const struct ps_opts *o;
	long page_size;
	enum ksm_pcol cols[KSM_PCOL_COUNT];
	int ncols;
	enum ksm_pcol sort;
	const struct ksm_procs *procs;
	struct ksm_procstat system;
	struct ksm_prow_ctx rows;	/* what the rows are read against */
	bool utf8;			/* the locale's; else names in ASCII */
};

static void default_columns(struct ps_ctx *c)
{
	const struct ps_opts *o = c->o;

	c->ncols = 0;
	if (!o->output_all) {
		c->ncols = ksm_pcol_defaults(o->by, false, c->cols);
		return;
	}
	/* grouped, the key leads, as in the default columns */
	if (o->by != KSM_BY_NONE)
		c->cols[c->ncols++] = ksm_pcol_key(o->by);
	for (int i = 0; i < KSM_PCOL_COUNT; i++)
		if (ksm_pcol_in_view((enum ksm_pcol)i, o->by) &&
		    (o->by == KSM_BY_NONE || i != (int)ksm_pcol_key(o->by)))
			c->cols[c->ncols++] = (enum ksm_pcol)i;
}

/* "-o PID,COMM" replaces the columns, "-o +CGROUP" appends. */
static int parse_output(struct ps_ctx *c, const char *list, const char **bad,
			size_t *bad_len)
{
	const char *p = list;

	if (*p == '+')
		p++;
	else
		c->ncols = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		int col = ksm_pcol_find(p, len);

		if (col < 0 || !ksm_pcol_in_view((enum ksm_pcol)col, c->o->by) ||
		    c->ncols == KSM_PCOL_COUNT) {
			*bad = p;
			*bad_len = len;
			return -EINVAL;
		}
		c->cols[c->ncols++] = (enum ksm_pcol)col;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!c->ncols) {
		*bad = list;
		*bad_len = strlen(list);
		return -EINVAL;
	}
	return 0;
}

/* An option's word, cut and escaped for an error message. */
static void shown_word(const char *word, size_t len, char *out, size_t size)
{
	char cut[64];

	if (len >= sizeof(cut))
		len = sizeof(cut) - 1;
	memcpy(cut, word, len);
	cut[len] = '\0';
	ksm_escape(cut, out, size);
}

static int setup_columns(struct ps_ctx *c)
{
	const struct ps_opts *o = c->o;
	const char *bad;
	size_t bad_len;
	char shown[256];

	default_columns(c);
	for (int i = 0; i < o->noutputs; i++) {
		if (!parse_output(c, o->outputs[i], &bad, &bad_len))
			continue;
		shown_word(bad, bad_len, shown, sizeof(shown));
		if (ksm_pcol_find(bad, bad_len) >= 0)
			return ksm_usage_error(&cmd_ps, "--output: column '%s' is not available %s",
					       shown, o->by ? "with --group-by" :
					       "without --group-by");
		return ksm_usage_error(&cmd_ps, "--output: unknown column '%s' (see 'ksmctl ps --help')",
				       shown);
	}
	c->sort = KSM_PCOL_PROFIT;
	if (o->sort_name) {
		int col = ksm_pcol_find(o->sort_name, strlen(o->sort_name));

		if (col < 0 || !ksm_pcol_in_view((enum ksm_pcol)col, o->by)) {
			shown_word(o->sort_name, strlen(o->sort_name), shown,
				   sizeof(shown));
			return ksm_usage_error(&cmd_ps, "--sort: %s column '%s'",
					       col < 0 ? "unknown" : "unavailable",
					       shown);
		}
		c->sort = (enum ksm_pcol)col;
	}
	return 0;
}

static unsigned int scan_needs(const struct ps_ctx *c)
{
	unsigned int need = ksm_group_by_need(c->o->by);

	for (int i = 0; i < c->ncols; i++)
		need |= ksm_pcols[c->cols[i]].need;
	return need | ksm_pcols[c->sort].need;
}

static bool has(const struct ksm_procstat *st, int field)
{
	return field < 0 || (st->have & KSM_PF_BIT(field));
}

/* A count; a saturated one (units.h) as at least that much, but in JSON. */
static void count_cell(const struct ps_ctx *c, unsigned long long v, char *buf,
		       size_t size)
{
	snprintf(buf, size, "%s%llu",
		 v == KSM_SAT && c->o->mode != OUT_JSON ? ">=" : "", v);
}

static void size_cell(const struct ps_ctx *c, unsigned long long pages,
		      char *buf, size_t size)
{
	unsigned long long bytes = ksm_pages_bytes(pages, c->page_size);

	if (c->o->bytes || c->o->mode == OUT_JSON)
		count_cell(c, bytes, buf, size);
	else
		ksm_format_size(bytes, buf, size);
}

/* A figure cell; false when the kernel did not report it. */
static bool figure_cell(const struct ps_ctx *c, const struct ksm_prow *r,
			enum ksm_pcol col, char *buf, size_t size)
{
	const struct ksm_procstat *st = r->st;
	enum ksm_tri tri;
	double pct;

	/* a profit may be computed where the kernel does not report it */
	if (col != KSM_PCOL_PROFIT && !has(st, ksm_pcols[col].field))
		return false;
	switch (col) {
	case KSM_PCOL_PROCS:
		if (!r->sum)
			return false;
		snprintf(buf, size, "%zu", r->sum->procs);
		break;
	case KSM_PCOL_MERGING:
		size_cell(c, st->merging_pages, buf, size);
		break;
	case KSM_PCOL_ZERO:
		size_cell(c, st->zero_pages, buf, size);
		break;
	case KSM_PCOL_RMAP:
		count_cell(c, st->rmap_items, buf, size);
		break;
	case KSM_PCOL_COW:
		count_cell(c, st->cow_pages, buf, size);
		break;
	case KSM_PCOL_PROFIT:
		if (!st->profit_known)
			return false;
		if (c->o->bytes || c->o->mode == OUT_JSON)
			snprintf(buf, size, "%s%lld", c->o->mode == OUT_JSON ? "" :
				 st->profit == LLONG_MAX ? ">=" :
				 st->profit == LLONG_MIN ? "<=" : "", st->profit);
		else
			ksm_format_ssize(st->profit, buf, size);
		break;
	case KSM_PCOL_SHARE:
		pct = ksm_share_pct(st, &c->system);
		if (isnan(pct))
			return false;
		snprintf(buf, size, c->o->mode == OUT_JSON ? "%.2f" : "%.1f%%", pct);
		break;
	case KSM_PCOL_VERDICT:
		snprintf(buf, size, "%s",
			 ksm_verdict_text(ksm_procstat_verdict(st, c->page_size)));
		return buf[0] != '\0';
	case KSM_PCOL_MERGE_ANY:
	case KSM_PCOL_MERGEABLE:
		tri = col == KSM_PCOL_MERGE_ANY ? st->merge_any : st->mergeable;
		if (tri == KSM_TRI_UNKNOWN || r->sum)
			return false;
		snprintf(buf, size, "%s", tri == KSM_TRI_YES ? "yes" : "no");
		break;
	default:
		return false;
	}
	return true;
}

/*
 * The text of an identity column (untrusted except the numbers); "" in
 * the total lines (label).
 */
static const char *id_text(const struct ps_ctx *c, const struct ksm_prow *r,
			   const char *label, enum ksm_pcol col, char *num,
			   size_t size)
{
	const struct ksm_proc *p = r->proc;

	if (label)
		return "";
	if (p && col == KSM_PCOL_PID) {
		snprintf(num, size, "%d", p->pid);
		return num;
	}
	if (p && col == KSM_PCOL_UID) {
		if (!p->has_uid)
			return "";
		snprintf(num, size, "%u", p->uid);
		return num;
	}
	return ksm_prow_name(&c->rows, r, col);
}

/*
 * The cell's text, or NULL for an empty cell (JSON null).  Unknown
 * figures are "-" in the table and raw forms, so a missing value is never
 * mistaken for zero.  label: "total" or "system" for those lines.
 */
static const char *cell(const struct ps_ctx *c, const struct ksm_prow *r,
			const char *label, enum ksm_pcol col, int label_col,
			char *buf, size_t size)
{
	char num[32];
	const char *text;

	if (label && (int)col == label_col)
		return label;
	if (ksm_pcols[col].kind != KSM_PK_NAME) {
		if (figure_cell(c, r, col, buf, size))
			return buf;
		if (c->o->mode == OUT_JSON || col == KSM_PCOL_VERDICT ||
		    (col == KSM_PCOL_PROCS && !r->sum) ||
		    ((col == KSM_PCOL_MERGE_ANY || col == KSM_PCOL_MERGEABLE) &&
		     !r->proc))
			return NULL;
		return "-";
	}
	text = id_text(c, r, label, col, num, sizeof(num));
	/* the group of processes without a unit, VM...: "-", JSON null */
	if (!text[0] && r->sum && !label && c->o->mode != OUT_JSON)
		return "-";
	if (!text[0])
		return NULL;
	/*
	 * raw: libsmartcols encodes.  The table and JSON: ksm_escape(), so
	 * a unit reads as systemctl prints it ("machine-qemu\x2d1\x2dweb.scope")
	 * and can be pasted back (libsmartcols' own encoding, off for the
	 * table, would turn that "\x2d" into "\x5cx2d"), and JSON, which
	 * libsmartcols escapes, is valid UTF-8 and tells any two names apart.
	 */
	if (c->o->mode == OUT_RAW) {
		snprintf(buf, size, "%s", text);	/* num is ours only */
	} else if (c->o->mode != OUT_TABLE || c->utf8) {
		ksm_escape(text, buf, size);
	} else {
		/* no UTF-8 to show it with: \xNN, as top shows it */
		char esc[4 * 4096 + 64];

		ksm_escape(text, esc, sizeof(esc));
		ksm_fit(esc, -1, false, false, buf, size);
	}
	return buf;
}

/*
 * Where "total" and "system" go: the first name column shown.  -1 (no
 * total lines) without one, or without a figure to add up.
 */
static int label_column(const struct ps_ctx *c)
{
	int label = -1, figures = 0;

	for (int i = 0; i < c->ncols; i++) {
		if (ksm_pcols[c->cols[i]].kind != KSM_PK_NAME)
			figures++;
		else if (label < 0)
			label = (int)c->cols[i];
	}
	return figures ? label : -1;
}

static int add_line(struct libscols_table *tb, const struct ps_ctx *c,
		    const struct ksm_prow *r, const char *label, int label_col)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	static char buf[4 * 4096 + 64];

	if (!ln)
		return -ENOMEM;
	for (int i = 0; i < c->ncols; i++) {
		const char *text = cell(c, r, label, c->cols[i], label_col, buf,
					sizeof(buf));

		if (text && scols_line_set_data(ln, (size_t)i, text))
			return -ENOMEM;
	}
	return 0;
}

static int scols_json_type(enum ksm_pcol_json json)
{
	switch (json) {
	case KSM_PJ_NUMBER:
		return SCOLS_JSON_NUMBER;
	case KSM_PJ_BOOLEAN:
		return SCOLS_JSON_BOOLEAN_OPTIONAL;
	default:
		return SCOLS_JSON_STRING;
	}
}

static int scols_flags(unsigned int flags)
{
	return (flags & KSM_PCOL_RIGHT ? SCOLS_FL_RIGHT : 0) |
	       (flags & KSM_PCOL_TRUNC ? SCOLS_FL_TRUNC : 0);
}

static struct libscols_table *new_table(const struct ps_ctx *c)
{
	struct libscols_table *tb = scols_new_table();

	if (!tb)
		return NULL;
	scols_table_enable_raw(tb, c->o->mode == OUT_RAW);
	scols_table_enable_json(tb, c->o->mode == OUT_JSON);
	scols_table_enable_noheadings(tb, c->o->noheadings);
	/* the table form is escaped by cell() */
	scols_table_enable_noencoding(tb, c->o->mode == OUT_TABLE);
	scols_table_set_name(tb, c->o->by ? "groups" : "processes");
	scols_table_enable_nowrap(tb, 1);
	if (c->o->width) {
		/* as lsblk --width: this wide, terminal or not */
		scols_table_set_termwidth(tb, c->o->width);
		scols_table_set_termforce(tb, SCOLS_TERMFORCE_ALWAYS);
	} else if (c->o->noutputs || c->o->output_all) {
		/* columns the user chose are shown whole */
		scols_table_set_termforce(tb, SCOLS_TERMFORCE_NEVER);
	}
	for (int i = 0; i < c->ncols; i++) {
		const struct ksm_pcol_info *col = &ksm_pcols[c->cols[i]];
		struct libscols_column *cl;

		cl = scols_table_new_column(tb, col->name, col->whint,
					    scols_flags(col->flags));
		if (!cl) {
			scols_unref_table(tb);
			return NULL;
		}
		scols_column_set_json_type(cl, scols_json_type(col->json));
	}
	return tb;
}

static struct json_object *json_size(const struct ps_ctx *c,
				     const struct ksm_procstat *st, int field,
				     unsigned long long pages)
{
	if (!has(st, field))
		return NULL;
	return json_object_new_uint64(ksm_pages_bytes(pages, c->page_size));
}

/* The "total" and "system" objects: the same figures under the same names. */
static struct json_object *json_sum(const struct ps_ctx *c,
				    const struct ksm_procstat *st,
				    const size_t *procs)
{
	struct json_object *o = json_object_new_object();
	const char *verdict;

	if (procs)
		json_object_object_add(o, "procs", json_object_new_uint64(*procs));
	json_object_object_add(o, "merging",
			       json_size(c, st, KSM_PF_MERGING, st->merging_pages));
	json_object_object_add(o, "zero",
			       json_size(c, st, KSM_PF_ZERO, st->zero_pages));
	json_object_object_add(o, "rmap", has(st, KSM_PF_RMAP) ?
			       json_object_new_uint64(st->rmap_items) : NULL);
	json_object_object_add(o, "profit", st->profit_known ?
			       json_object_new_int64(st->profit) : NULL);
	json_object_object_add(o, "share",
			       show_json_double(ksm_share_pct(st, &c->system)));
	verdict = ksm_verdict_text(ksm_procstat_verdict(st, c->page_size));
	json_object_object_add(o, "verdict", verdict[0] ?
			       json_object_new_string(verdict) : NULL);
	if (has(st, KSM_PF_COW))
		json_object_object_add(o, "cow",
				       json_object_new_uint64(st->cow_pages));
	return o;
}

/*
 * libsmartcols writes the typed rows; json-c adds the totals, the
 * system-wide figures and what the kernel does not report, and prints
 * it all as every ksmctl JSON is printed.
 */
static int print_json(const struct ps_ctx *c, struct libscols_table *tb,
		      const struct ksm_psum *total)
{
	struct json_object *root, *missing;
	unsigned int miss = ksm_procs_missing(c->procs);
	char *text = NULL;

	if (scols_print_table_to_string(tb, &text) || !text)
		return -ENOMEM;
	root = json_tokener_parse(text);
	free(text);
	if (!root)
		return -EINVAL;
	json_object_object_add(root, "total", json_sum(c, &total->st, &total->procs));
	json_object_object_add(root, "system", json_sum(c, &c->system, NULL));
	json_object_object_add(root, "unreadable", json_object_new_uint64(
				       c->procs->denied + c->procs->failed));
	missing = json_object_new_array();
	for (int f = 0; f < KSM_PF_COUNT; f++)
		if (miss & KSM_PF_BIT(f))
			json_object_array_add(missing, json_object_new_string(
						      ksm_pfield_name((enum ksm_pfield)f)));
	json_object_object_add(root, "not_reported", missing);
	show_json_print(root);
	json_object_put(root);
	return 0;
}

/*
 * Cut the names libsmartcols made narrower than their text to the width
 * it chose, with an ellipsis: it truncates plainly, and a cut name must
 * not pass for a whole one.  Its widths come from laying the table out
 * once (the header and first line printed to a string, then dropped);
 * the cut cells are then exactly as wide, so the layout that prints
 * them is the same.  Not a terminal: nothing is narrower than its text.
 */
static int fit_names(const struct ps_ctx *c, struct libscols_table *tb)
{
	struct libscols_line *first = scols_table_get_line(tb, 0);
	char *scratch = NULL, cut[4 * 4096 + 64];
	size_t nlines = scols_table_get_nlines(tb);
	int err;

	/*
	 * Nothing is cut where libsmartcols will not fit a terminal
	 * (new_table(), and its own test, isatty(), unless --width forces
	 * one): a pipe or a file costs no second layout, however many rows.
	 */
	if (!first || (!c->o->width && (c->o->noutputs || c->o->output_all ||
					  !isatty(STDOUT_FILENO))))
		return 0;
	err = scols_table_print_range_to_string(tb, first, first, &scratch);
	free(scratch);
	if (err)
		return err;
	for (int i = 0; i < c->ncols; i++) {
		unsigned int flags = ksm_pcols[c->cols[i]].flags;
		struct libscols_column *cl = scols_table_get_column(tb, (size_t)i);
		int width = (int)scols_column_get_width(cl);

		/*
		 * Too narrow a terminal for every column: libsmartcols
		 * (nowrap) left out the last ones and cut the one that
		 * half fits.  A cut figure would read as another figure
		 * ("228." of 228.3M): that one is left out too.
		 */
		if (!(flags & KSM_PCOL_TRUNC) &&
		    (scols_column_get_flags(cl) & SCOLS_FL_TRUNC))
			scols_column_set_flags(cl, scols_column_get_flags(cl) |
					       SCOLS_FL_HIDDEN);
		if (!(flags & KSM_PCOL_TRUNC) || !width)
			continue;
		/* the same width the next time: no hint widens it again */
		scols_column_set_whint(cl, width);
		for (size_t l = 0; l < nlines; l++) {
			struct libscols_cell *ce = scols_line_get_cell(
				scols_table_get_line(tb, l), (size_t)i);
			const char *text = scols_cell_get_data(ce);

			if (!text || ksm_text_width(text, c->utf8) <= width)
				continue;
			ksm_cut(text, width, flags & KSM_PCOL_CUT_START ?
				KSM_CUT_START : KSM_CUT_END, c->utf8, cut, sizeof(cut));
			if (scols_cell_set_data(ce, cut))
				return -ENOMEM;
		}
	}
	return 0;
}

/* The rows sorted, then the total lines, as the output mode shows them. */
static int print_rows(struct ps_ctx *c)
{
	const struct ksm_prow_ctx *rc = &c->rows;
	struct ksm_psum *groups, total;
	struct ksm_prow *rows, trow, srow = { .st = &c->system };
	struct libscols_table *tb;
	int label_col = label_column(c), err;
	size_t n;

	err = ksm_prows_collect(rc, c->sort, &rows, &groups, &n);
	if (err)
		return err;
	ksm_procs_total(c->procs, &total);
	trow = (struct ksm_prow){ .sum = &total, .st = &total.st };
	tb = new_table(c);
	if (!tb)
		err = -ENOMEM;
	for (size_t i = 0; i < n && !err; i++)
		err = add_line(tb, c, &rows[i], NULL, label_col);
	/* Totals only where a reader sees them as such: not in raw rows. */
	if (!err && c->o->mode == OUT_TABLE && label_col >= 0) {
		err = add_line(tb, c, &trow, "total", label_col);
		if (!err)
			err = add_line(tb, c, &srow, "system", label_col);
	}
	if (!err && c->o->mode == OUT_TABLE)
		err = fit_names(c, tb);
	if (!err)
		err = c->o->mode == OUT_JSON ? print_json(c, tb, &total) :
					       scols_print_table(tb);
	scols_unref_table(tb);
	free(rows);
	free(groups);
	return err;
}

/* Say once, not per process, what this kernel leaves out. */
static void note_missing(const struct ps_ctx *c)
{
	unsigned int miss = ksm_procs_missing(c->procs), shown = 0;
	char text[512] = "", ver[32];
	size_t len = 0;

	for (int i = 0; i < c->ncols; i++) {
		int field = ksm_pcols[c->cols[i]].field;

		if (field >= 0)
			shown |= KSM_PF_BIT(field);
	}
	if (shown & KSM_PF_BIT(KSM_PF_PROFIT) && c->procs->have &&
	    !(c->procs->have & KSM_PF_BIT(KSM_PF_PROFIT)) &&
	    (c->procs->have & KSM_PF_BIT(KSM_PF_RMAP)))
		miss &= ~KSM_PF_BIT(KSM_PF_PROFIT);	/* computed instead */
	miss &= shown;
	if (!miss)
		return;
	for (int f = 0; f < KSM_PF_COUNT && len < sizeof(text); f++) {
		if (!(miss & KSM_PF_BIT(f)))
			continue;
		ksm_version_format(ksm_pfield_since((enum ksm_pfield)f), ver,
				   sizeof(ver));
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s (%s)",
					len ? ", " : "",
					ksm_pfield_name((enum ksm_pfield)f), ver);
	}
	ksm_warn("note: this kernel does not report per process: %s", text);
}

/*
 * When the system's merged pages are far above what the processes shown
 * map, say so in one line: else the table reads as all of KSM's work.
 * Not with -p or -u, which leave processes out on purpose.
 */
static void note_unexplained(const struct ps_ctx *c)
{
	struct ksm_psum total;
	char seen[32], all[32];
	double pct;

	if (c->o->npids || c->o->by_uid)
		return;
	ksm_procs_total(c->procs, &total);
	if (!ksm_procs_unexplained(&total.st, &c->system, &pct))
		return;
	ksm_format_size((total.st.merging_pages + total.st.zero_pages) *
			(unsigned long long)c->page_size, seen, sizeof(seen));
	ksm_format_size((c->system.merging_pages + c->system.zero_pages) *
			(unsigned long long)c->page_size, all, sizeof(all));
	ksm_warn("note: the processes listed account for %.0f%% of KSM's merged pages (%s of %s): the rest belong to processes in other PID namespaces, unreadable, or exited",
		 pct, seen, all);
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "es";
}

static void note_unreadable(const struct ksm_procs *p)
{
	if (p->denied)
		ksm_warn("%zu process%s could not be read: permission denied%s",
			 p->denied, plural(p->denied),
			 geteuid() ? " (only root can read other users' ksm_stat)" : "");
	if (p->failed)
		ksm_warn("%zu process%s could not be read: %s: %s", p->failed,
			 plural(p->failed), p->failed_path,
			 p->failed_err == -EINVAL ? "unexpected contents" :
			 ksm_read_strerror(p->failed_err));
}

/* With -p: one line for each pid that could not be shown. */
static int report_pids(const struct ps_opts *o, const int *pid_err)
{
	int status = EXIT_OK;

	for (size_t i = 0; i < o->npids; i++) {
		int err = pid_err[i], pid = o->pids[i];

		if (!err || err == -ECHILD)	/* shown, or filtered by -u */
			continue;
		status = EXIT_FAIL;
		if (err == -ESRCH)
			ksm_err("%d: no such process", pid);
		else if (err == -ENODATA)
			ksm_err("%d: kernel thread or zombie: no memory for KSM", pid);
		else if (err == -EACCES || err == -EPERM)
			ksm_err("proc/%d/ksm_stat: cannot read: %s%s", pid,
				strerror(-err), geteuid() ? " (needs root)" : "");
		else
			ksm_err("proc/%d/ksm_stat: cannot read: %s", pid,
				err == -EINVAL ? "unexpected contents" :
				ksm_read_strerror(err));
	}
	return status;
}

/* Append "1,2,3" to the pid list: 0, -EINVAL (reported) or -ENOMEM. */
static int add_pids(struct ps_opts *o, const char *list)
{
	const char *p = list;
	char word[32], shown[256];

	do {
		size_t len = strcspn(p, ",");
		unsigned long long v = 0;

		shown_word(p, len, shown, sizeof(shown));
		if (len >= sizeof(word) || !len) {
			ksm_usage_error(&cmd_ps, "--pid: invalid process id '%s'", shown);
			return -EINVAL;
		}
		memcpy(word, p, len);
		word[len] = '\0';
		if (kstrtoull10(word, &v) || v == 0 || v > INT_MAX ||
		    strchr(word, '\n') || word[0] == '+') {
			ksm_usage_error(&cmd_ps, "--pid: invalid process id '%s'", shown);
			return -EINVAL;
		}
		if (o->npids == o->pids_cap) {
			size_t cap = o->pids_cap ? o->pids_cap * 2 : 16;
			int *pids = realloc(o->pids, cap * sizeof(*pids));

			if (!pids)
				return -ENOMEM;
			o->pids = pids;
			o->pids_cap = cap;
		}
		o->pids[o->npids++] = (int)v;
		p += len;
	} while (*p++ == ',');
	return 0;
}

/* add_pids' result as an exit status. */
static int pids_status(int err)
{
	if (err == -ENOMEM) {
		ksm_err("--pid: %s", strerror(ENOMEM));
		return EXIT_FAIL;
	}
	return err ? EXIT_USAGE : EXIT_OK;
}

static int parse_user(struct ps_opts *o, const char *name)
{
	struct passwd *pw = getpwnam(name);
	unsigned long long v;
	char shown[128];

	if (pw) {
		o->uid = pw->pw_uid;
	} else if (!kstrtoull10(name, &v) && v <= UINT32_MAX &&
		   !strchr(name, '\n')) {
		o->uid = (unsigned int)v;
	} else {
		ksm_escape(name, shown, sizeof(shown));
		return ksm_usage_error(&cmd_ps, "--user: unknown user '%s'", shown);
	}
	o->by_uid = true;
	return 0;
}

static const struct option ps_longopts[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "pid", required_argument, NULL, 'p' },
	{ "user", required_argument, NULL, 'u' },
	{ "group-by", required_argument, NULL, 'g' },
	{ "output", required_argument, NULL, 'o' },
	{ "output-all", no_argument, NULL, 'A' },
	{ "sort", required_argument, NULL, 'S' },
	{ "bytes", no_argument, NULL, 'b' },
	{ "json", no_argument, NULL, 'J' },
	{ "raw", no_argument, NULL, 'r' },
	{ "noheadings", no_argument, NULL, 'n' },
	{ "width", required_argument, NULL, 'w' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int ps_run(struct ksm_ctx *ctx, int argc, char **argv);

/* Words to lines of at most width columns, as a paragraph of --help. */
static void print_wrapped(FILE *out, const char *text, size_t width)
{
	size_t len = 0;

	while (*text) {
		size_t word = strcspn(text, " ");

		if (!word) {	/* a second space: none at a line's end */
			text++;
			continue;
		}
		if (len && len + 1 + word > width) {
			fputc('\n', out);
			len = 0;
		} else if (len) {
			fputc(' ', out);
			len++;
		}
		fwrite(text, 1, word, out);
		len += word;
		text += word;
		if (*text == ' ')
			text++;
	}
	fputc('\n', out);
}

/* The default columns of a view, each name after a space. */
static void default_names(enum ksm_group_by by, char *buf, size_t size)
{
	enum ksm_pcol cols[KSM_PCOL_COUNT];
	int n = ksm_pcol_defaults(by, false, cols);
	size_t len = strlen(buf);

	/* a grouped view's first column is its key, whichever it is */
	for (int i = by ? 1 : 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, " %s",
					ksm_pcols[cols[i]].name);
}

/* --help's columns, from the column table. */
static void usage_columns(FILE *out)
{
	char text[1024];

	/* one line: scripts and the docs check read the names from it */
	fprintf(out, "Columns:");
	for (int i = 0; i < KSM_PCOL_COUNT; i++)
		fprintf(out, " %s", ksm_pcols[i].name);
	fprintf(out, "\n");
	for (int i = 0; i < KSM_PCOL_COUNT; i++)
		fprintf(out, "  %-10s %s\n", ksm_pcols[i].name, ksm_pcols[i].help);
	fprintf(out, "\n");
	snprintf(text, sizeof(text), "Default (chosen for 80 columns):");
	default_names(KSM_BY_NONE, text, sizeof(text));
	strncat(text, "; with --group-by: KEY", sizeof(text) - strlen(text) - 1);
	/* any grouping: all have the same sums */
	default_names(KSM_BY_UNIT, text, sizeof(text));
	strncat(text, ".  On a terminal the table fits its width: names are cut"
		" with an ellipsis, cgroup paths from the left.  Piped, or with"
		" -o or --output-all, every cell is whole.  '-' marks a figure"
		" this kernel does not report.",
		sizeof(text) - strlen(text) - 1);
	print_wrapped(out, text, 72);
	fprintf(out, "%s",
		"Per-process profits add up to more than general_profit: each process\n"
		"counts the KSM pages it maps, so every shared page is counted once more\n"
		"than it is saved (see ksmctl(8)).\n");
}

const struct ksm_command cmd_ps = {
	.name = "ps",
	.summary = "per-process KSM use, by cgroup, unit, VM or user",
	.usage =
		"Usage: ksmctl ps [options] [PID...]\n"
		"\n"
		"List the processes KSM works for, from /proc/PID/ksm_stat: what it\n"
		"saves or costs each of them, largest profit first; or the same summed\n"
		"per cgroup, systemd unit, VM, user or command.  A total line and the\n"
		"system-wide figures close the table.\n"
		"\n"
		"Options:\n"
		"  -a, --all               every process, also those without KSM use\n"
		"  -p, --pid PID[,PID...]  only these processes (PIDs may also follow the options)\n"
		"  -u, --user USER         only processes of USER (name or uid)\n"
		"  -g, --group-by KEY      one row per cgroup, unit, vm, user or comm\n"
		"  -o, --output LIST       columns to print ('+LIST' appends to the default)\n"
		"      --output-all        print every column\n"
		"      --sort COL          sort by COL: figures largest first, names A-Z\n"
		"  -b, --bytes             print sizes in bytes\n"
		"  -J, --json              JSON output (sizes always in bytes)\n"
		"  -r, --raw               raw output, without the total lines\n"
		"  -n, --noheadings        do not print a heading line\n"
		"  -w, --width COLUMNS     fit the table to this width, terminal or not\n"
		"  -h, --help              display this help\n"
		"\n",
	/* Columns: ... from the column table */
	.usage_more = usage_columns,
	.shortopts = "ap:u:g:o:bJrnw:h",
	.longopts = ps_longopts,
	.run = ps_run,
};

static int parse_args(struct ps_opts *o, int argc, char **argv)
{
	unsigned long long width;
	char shown[128];
	int c, err;

	while ((c = ksm_getopt(&cmd_ps, argc, argv)) != -1) {
		switch (c) {
		case 'a':
			o->all = true;
			break;
		case 'p':
			err = add_pids(o, optarg);
			if (err)
				return pids_status(err);
			break;
		case 'u':
			if (parse_user(o, optarg))
				return EXIT_USAGE;
			break;
		case 'g':
			o->by = ksm_group_by_parse(optarg);
			if (o->by == KSM_BY_NONE) {
				ksm_escape(optarg, shown, sizeof(shown));
				return ksm_usage_error(&cmd_ps, "--group-by: unknown key '%s': expected cgroup, unit, vm, user or comm",
						       shown);
			}
			break;
		case 'o':
			if (o->noutputs == MAX_OUTPUTS)
				return ksm_usage_error(&cmd_ps, "--output: too many times");
			o->outputs[o->noutputs++] = optarg;
			break;
		case 'A':
			o->output_all = true;
			break;
		case 'S':
			o->sort_name = optarg;
			break;
		case 'b':
			o->bytes = true;
			break;
		case 'J':
			o->mode = OUT_JSON;
			break;
		case 'r':
			if (o->mode != OUT_JSON)
				o->mode = OUT_RAW;
			break;
		case 'n':
			o->noheadings = true;
			break;
		case 'w':
			if (ksm_parse_option_ull(&cmd_ps, "--width", optarg, 4096, &width))
				return EXIT_USAGE;
			if (!width)
				return ksm_usage_error(&cmd_ps, "--width: invalid value '0': expected at least 1");
			o->width = (unsigned int)width;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	for (int i = optind; i < argc; i++) {
		err = add_pids(o, argv[i]);
		if (err)
			return pids_status(err);
	}
	return EXIT_OK;
}

static int ps_scan(struct ksm_ctx *ctx, struct ps_ctx *c, struct ksm_procs *p,
		   int *pid_err)
{
	const struct ps_opts *o = c->o;
	struct ksm_scan_opts so = {
		.page_size = c->page_size,
		.need = scan_needs(c),
		.all = o->all,
		.by_uid = o->by_uid,
		.uid = o->uid,
		.pids = o->npids ? o->pids : NULL,
		.npids = o->npids,
		.pid_err = pid_err,
	};
	int err = ksm_procs_scan(ctx->root, &so, p);

	if (err) {
		ksm_err("proc: cannot read: %s", strerror(-err));
		return EXIT_FAIL;
	}
	if (p->no_files) {
		ksm_err("proc/PID/ksm_stat: not found: this kernel reports no per-process KSM figures (needs Linux 5.19)");
		ksm_procs_free(p);
		return EXIT_UNAVAILABLE;
	}
	return EXIT_OK;
}

static int ps_run(struct ksm_ctx *ctx, int argc, char **argv)
{
	struct ps_opts o = { .mode = OUT_TABLE };
	struct ps_ctx c = { .o = &o };
	struct ksm_procs procs;
	struct ksm_sample s;
	int *pid_err = NULL, status, err;

	/* Names in UTF-8 are shown as they are, not as \xNN bytes. */
	setlocale(LC_CTYPE, "");
	c.utf8 = ksm_locale_utf8();
	status = parse_args(&o, argc, argv);
	if (!status)
		status = setup_columns(&c);
	if (!status)
		status = ksm_ctx_sample(ctx, &s);
	if (status)
		goto out;
	c.page_size = s.page_size;
	ksm_system_stat(&s, &c.system);
	if (o.npids) {
		pid_err = calloc(o.npids, sizeof(*pid_err));
		if (!pid_err) {
			ksm_err("cannot scan processes: %s", strerror(ENOMEM));
			status = EXIT_FAIL;
			goto out;
		}
	}
	status = ps_scan(ctx, &c, &procs, pid_err);
	if (status)
		goto out;
	c.procs = &procs;
	c.rows = (struct ksm_prow_ctx){
		.procs = &procs, .system = &c.system, .page_size = c.page_size,
		.by = o.by,
	};
	err = print_rows(&c);
	if (err) {
		ksm_err("cannot print the table: %s", strerror(-err));
		status = EXIT_FAIL;
	} else {
		note_missing(&c);
		note_unexplained(&c);
		if (o.npids)
			status = report_pids(&o, pid_err);
		else
			note_unreadable(&procs);
	}
	ksm_procs_free(&procs);
out:
	free(pid_err);
	free(o.pids);
	return status;
}
