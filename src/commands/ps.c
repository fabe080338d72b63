// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl ps: which processes use KSM, what it saves or costs each, and
 * the same summed per cgroup, systemd unit, VM, user or command.
 *
 * The columns are a table as in lsblk and zramctl: it drives -o, --sort,
 * JSON types and what the scan has to read.  libsmartcols prints the
 * table, raw and JSON forms.  Untrusted text (comm, cgroup paths) is
 * safe-encoded by libsmartcols in the table and raw forms (control
 * characters as \xNN, as lsblk shows them) and JSON carries the real
 * string, escaped as JSON.
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
#include "../lib/procs.h"
#include "../lib/units.h"
#include "../show.h"

extern const struct ksm_command cmd_ps;

enum {
	COL_PID, COL_USER, COL_UID, COL_COMM, COL_PROCS, COL_MERGING, COL_ZERO,
	COL_RMAP, COL_PROFIT, COL_SHARE, COL_VERDICT, COL_MERGE_ANY,
	COL_MERGEABLE, COL_COW, COL_UNIT, COL_VM, COL_CGROUP, COL_COUNT
};

/* Where a column may appear: process rows, group rows, or as group key. */
enum { IN_PROC = 1, IN_GROUP = 2, IN_BOTH = 3 };
enum { KIND_ID, KIND_SIZE, KIND_COUNT, KIND_SIGNED, KIND_PCT, KIND_BOOL,
       KIND_TEXT };

static const struct column {
	const char *name;
	double whint;
	int flags;
	int json;
	int scope;
	int kind;
	enum ksm_group_by key;	/* a group key column: this grouping */
	unsigned int need;	/* what the scan must read */
	int field;		/* ksm_stat field it shows, -1 none */
	const char *help;
} columns[COL_COUNT] = {
	[COL_PID] = { "PID", 7, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, IN_PROC,
		KIND_ID, KSM_BY_NONE, 0, -1, "process id" },
	[COL_USER] = { "USER", 8, 0, SCOLS_JSON_STRING, IN_PROC, KIND_ID,
		KSM_BY_USER, KSM_NEED_UID, -1, "owner (effective user)" },
	[COL_UID] = { "UID", 6, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, IN_PROC,
		KIND_ID, KSM_BY_NONE, KSM_NEED_UID, -1, "owner's user id" },
	[COL_COMM] = { "COMM", 15, 0, SCOLS_JSON_STRING, IN_PROC, KIND_ID,
		KSM_BY_COMM, KSM_NEED_COMM, -1, "command name" },
	[COL_PROCS] = { "PROCS", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, IN_GROUP,
		KIND_COUNT, KSM_BY_NONE, 0, -1, "processes in the group" },
	[COL_MERGING] = { "MERGING", 7, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
		IN_BOTH, KIND_SIZE, KSM_BY_NONE, 0, KSM_PF_MERGING,
		"memory mapped from KSM pages (ksm_merging_pages)" },
	[COL_ZERO] = { "ZERO", 6, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, IN_BOTH,
		KIND_SIZE, KSM_BY_NONE, 0, KSM_PF_ZERO,
		"memory merged with the zero page (ksm_zero_pages)" },
	[COL_RMAP] = { "RMAP", 7, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, IN_BOTH,
		KIND_COUNT, KSM_BY_NONE, 0, KSM_PF_RMAP,
		"pages KSM tracks, merged or not (ksm_rmap_items)" },
	[COL_PROFIT] = { "PROFIT", 7, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
		IN_BOTH, KIND_SIGNED, KSM_BY_NONE, 0, KSM_PF_PROFIT,
		"memory saved less metadata spent; negative: a loss" },
	[COL_SHARE] = { "SHARE", 6, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, IN_BOTH,
		KIND_PCT, KSM_BY_NONE, 0, KSM_PF_MERGING,
		"part of everything KSM merged system-wide, in percent" },
	[COL_VERDICT] = { "VERDICT", 0.1, 0, SCOLS_JSON_STRING, IN_BOTH,
		KIND_TEXT, KSM_BY_NONE, 0, KSM_PF_RMAP,
		"'not worth scanning' when rmap items / merged pages > page size / rmap item size" },
	[COL_MERGE_ANY] = { "MERGE_ANY", 3, 0, SCOLS_JSON_BOOLEAN_OPTIONAL,
		IN_PROC, KIND_BOOL, KSM_BY_NONE, 0, KSM_PF_MERGE_ANY,
		"whole process merged (prctl PR_SET_MEMORY_MERGE)" },
	[COL_MERGEABLE] = { "MERGEABLE", 3, 0, SCOLS_JSON_BOOLEAN_OPTIONAL,
		IN_PROC, KIND_BOOL, KSM_BY_NONE, 0, KSM_PF_MERGEABLE,
		"has areas registered with KSM (madvise or prctl)" },
	[COL_COW] = { "COW", 6, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, IN_BOTH,
		KIND_COUNT, KSM_BY_NONE, 0, KSM_PF_COW,
		"KSM pages copied on write (ksm_cow_pages, where reported)" },
	[COL_UNIT] = { "UNIT", 0.15, 0, SCOLS_JSON_STRING, IN_PROC, KIND_ID,
		KSM_BY_UNIT, KSM_NEED_CGROUP, -1, "systemd unit or scope" },
	[COL_VM] = { "VM", 0.1, 0, SCOLS_JSON_STRING, IN_PROC, KIND_ID,
		KSM_BY_VM, KSM_NEED_VM, -1, "qemu guest name" },
	[COL_CGROUP] = { "CGROUP", 0.2, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
		IN_PROC, KIND_ID, KSM_BY_CGROUP, KSM_NEED_CGROUP, -1,
		"cgroup v2 path" },
};

static const int default_proc_cols[] = {
	COL_PID, COL_USER, COL_COMM, COL_MERGING, COL_ZERO, COL_RMAP,
	COL_PROFIT, COL_SHARE, COL_VERDICT, COL_MERGE_ANY, COL_MERGEABLE,
	COL_UNIT, COL_VM, COL_CGROUP,
};

static const int default_group_cols[] = {
	COL_PROCS, COL_MERGING, COL_ZERO, COL_RMAP, COL_PROFIT, COL_SHARE,
	COL_VERDICT,
};

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
};

/* What printing needs besides the options. */
struct ps_ctx {
	const struct ps_opts *o;
	long page_size;
	int cols[COL_COUNT];
	int ncols;
	int sort;
	const struct ksm_procs *procs;
	struct ksm_procstat system;
};

/* A table row: a process, a group, or the total / system lines. */
struct row {
	const struct ksm_proc *proc;
	const struct ksm_psum *sum;
	const struct ksm_procstat *st;
	const char *label;
};

static int column_by_name(const char *name, size_t len)
{
	for (int i = 0; i < COL_COUNT; i++)
		if (strlen(columns[i].name) == len &&
		    !strncasecmp(columns[i].name, name, len))
			return i;
	return -1;
}

/* Is the column usable in this mode?  Group mode: its key, or a sum. */
static bool column_allowed(int col, enum ksm_group_by by)
{
	if (by == KSM_BY_NONE)
		return columns[col].scope & IN_PROC;
	return (columns[col].scope & IN_GROUP) || columns[col].key == by;
}

static int key_column(enum ksm_group_by by)
{
	for (int i = 0; i < COL_COUNT; i++)
		if (columns[i].key == by)
			return i;
	return -1;
}

static void default_columns(struct ps_ctx *c)
{
	const struct ps_opts *o = c->o;

	c->ncols = 0;
	if (o->output_all) {
		for (int i = 0; i < COL_COUNT; i++)
			if (column_allowed(i, o->by))
				c->cols[c->ncols++] = i;
		return;
	}
	if (o->by == KSM_BY_NONE) {
		for (size_t i = 0; i < sizeof(default_proc_cols) / sizeof(int); i++)
			c->cols[c->ncols++] = default_proc_cols[i];
		return;
	}
	c->cols[c->ncols++] = key_column(o->by);
	for (size_t i = 0; i < sizeof(default_group_cols) / sizeof(int); i++)
		c->cols[c->ncols++] = default_group_cols[i];
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
		int col = column_by_name(p, len);

		if (col < 0 || !column_allowed(col, c->o->by) ||
		    c->ncols == COL_COUNT) {
			*bad = p;
			*bad_len = len;
			return -EINVAL;
		}
		c->cols[c->ncols++] = col;
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
		if (column_by_name(bad, bad_len) >= 0)
			return ksm_usage_error(&cmd_ps, "--output: column '%s' is not available %s",
					       shown, o->by ? "with --group-by" :
					       "without --group-by");
		return ksm_usage_error(&cmd_ps, "--output: unknown column '%s' (see 'ksmctl ps --help')",
				       shown);
	}
	c->sort = COL_PROFIT;
	if (o->sort_name) {
		c->sort = column_by_name(o->sort_name, strlen(o->sort_name));
		if (c->sort < 0 || !column_allowed(c->sort, o->by)) {
			shown_word(o->sort_name, strlen(o->sort_name), shown,
				   sizeof(shown));
			return ksm_usage_error(&cmd_ps, "--sort: %s column '%s'",
					       c->sort < 0 ? "unknown" : "unavailable",
					       shown);
		}
	}
	return 0;
}

static unsigned int scan_needs(const struct ps_ctx *c)
{
	unsigned int need = ksm_group_by_need(c->o->by);

	for (int i = 0; i < c->ncols; i++)
		need |= columns[c->cols[i]].need;
	return need | columns[c->sort].need;
}

static bool has(const struct ksm_procstat *st, int field)
{
	return field < 0 || (st->have & KSM_PF_BIT(field));
}

static void size_cell(const struct ps_ctx *c, unsigned long long pages,
		      char *buf, size_t size)
{
	unsigned long long bytes = pages * (unsigned long long)c->page_size;

	if (c->o->bytes || c->o->mode == OUT_JSON)
		snprintf(buf, size, "%llu", bytes);
	else
		ksm_format_size(bytes, buf, size);
}

/* A figure cell; false when the kernel did not report it. */
static bool figure_cell(const struct ps_ctx *c, const struct row *r, int col,
			char *buf, size_t size)
{
	const struct ksm_procstat *st = r->st;
	enum ksm_tri tri;
	double pct;

	/* a profit may be computed where the kernel does not report it */
	if (col != COL_PROFIT && !has(st, columns[col].field))
		return false;
	switch (col) {
	case COL_PROCS:
		if (!r->sum)
			return false;
		snprintf(buf, size, "%zu", r->sum->procs);
		break;
	case COL_MERGING:
		size_cell(c, st->merging_pages, buf, size);
		break;
	case COL_ZERO:
		size_cell(c, st->zero_pages, buf, size);
		break;
	case COL_RMAP:
		snprintf(buf, size, "%llu", st->rmap_items);
		break;
	case COL_COW:
		snprintf(buf, size, "%llu", st->cow_pages);
		break;
	case COL_PROFIT:
		if (!st->profit_known)
			return false;
		if (c->o->bytes || c->o->mode == OUT_JSON)
			snprintf(buf, size, "%lld", st->profit);
		else
			ksm_format_ssize(st->profit, buf, size);
		break;
	case COL_SHARE:
		pct = ksm_share_pct(st, &c->system);
		if (isnan(pct))
			return false;
		snprintf(buf, size, c->o->mode == OUT_JSON ? "%.2f" : "%.1f%%", pct);
		break;
	case COL_VERDICT:
		snprintf(buf, size, "%s",
			 ksm_verdict_text(ksm_procstat_verdict(st, c->page_size)));
		return buf[0] != '\0';
	case COL_MERGE_ANY:
	case COL_MERGEABLE:
		tri = col == COL_MERGE_ANY ? st->merge_any : st->mergeable;
		if (tri == KSM_TRI_UNKNOWN || r->sum)
			return false;
		snprintf(buf, size, "%s", tri == KSM_TRI_YES ? "yes" : "no");
		break;
	default:
		return false;
	}
	return true;
}

/* The text of an identity column (untrusted except the numbers). */
static const char *id_text(const struct ps_ctx *c, const struct row *r,
			   int col, char *num, size_t size)
{
	const struct ksm_proc *p = r->proc;

	if (r->label)
		return "";
	if (r->sum)
		return columns[col].key == c->o->by ?
		       ksm_procs_str(c->procs, r->sum->key) : "";
	switch (col) {
	case COL_PID:
		snprintf(num, size, "%d", p->pid);
		return num;
	case COL_UID:
		if (!p->has_uid)
			return "";
		snprintf(num, size, "%u", p->uid);
		return num;
	case COL_USER:
		return ksm_procs_str(c->procs, p->user);
	case COL_COMM:
		return ksm_procs_str(c->procs, p->comm);
	case COL_UNIT:
		return ksm_procs_str(c->procs, p->unit);
	case COL_VM:
		return ksm_procs_str(c->procs, p->vm);
	case COL_CGROUP:
		return ksm_procs_str(c->procs, p->cgroup);
	default:
		return "";
	}
}

/*
 * Untrusted text for the table form: control characters and invalid
 * UTF-8 as ksm_escape writes them, but backslashes left alone, so a
 * unit reads as systemctl prints it ("machine-qemu\x2d1\x2dweb.scope")
 * and can be pasted back.  (libsmartcols' own encoding, off for the
 * table, would turn that "\x2d" into "\x5cx2d".)
 */
static void table_escape(const char *s, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	while (*s) {
		char one[5] = "", esc[24];
		size_t n = 1, elen;

		if ((unsigned char)*s >= 0xc0)
			while (n < 4 && ((unsigned char)s[n] & 0xc0) == 0x80)
				n++;
		memcpy(one, s, n);
		if (*s == '\\')
			strcpy(esc, "\\");
		else
			ksm_escape(one, esc, sizeof(esc));
		elen = strlen(esc);
		if (len + elen >= size)
			break;
		memcpy(out + len, esc, elen + 1);
		len += elen;
		s += n;
	}
}

/*
 * The cell's text, or NULL for an empty cell (JSON null).  Unknown
 * figures are "-" in the table and raw forms, so a missing value is never
 * mistaken for zero.
 */
static const char *cell(const struct ps_ctx *c, const struct row *r, int col,
			int label_col, char *buf, size_t size)
{
	char num[32];
	const char *text;

	if (r->label && col == label_col)
		return r->label;
	if (columns[col].kind != KIND_ID) {
		if (figure_cell(c, r, col, buf, size))
			return buf;
		if (c->o->mode == OUT_JSON || col == COL_VERDICT ||
		    (col == COL_PROCS && !r->sum) ||
		    ((col == COL_MERGE_ANY || col == COL_MERGEABLE) && !r->proc))
			return NULL;
		return "-";
	}
	text = id_text(c, r, col, num, sizeof(num));
	/* the group of processes without a unit, VM...: "-", JSON null */
	if (!text[0] && r->sum && !r->label && c->o->mode != OUT_JSON)
		return "-";
	if (!text[0])
		return NULL;
	/* raw: libsmartcols encodes; JSON: libsmartcols escapes as JSON */
	if (c->o->mode != OUT_TABLE)
		snprintf(buf, size, "%s", text);	/* num is ours only */
	else
		table_escape(text, buf, size);
	return buf;
}

static int cmp_ull(unsigned long long a, unsigned long long b)
{
	return a < b ? 1 : a > b ? -1 : 0;	/* largest first */
}

static int verdict_rank(const struct ps_ctx *c, const struct ksm_procstat *st)
{
	switch (ksm_procstat_verdict(st, c->page_size)) {
	case KSM_VERDICT_WASTE:
		return 0;
	case KSM_VERDICT_OK:
		return 1;
	default:
		return 2;
	}
}

static int tri_rank(enum ksm_tri t)
{
	return t == KSM_TRI_YES ? 0 : t == KSM_TRI_NO ? 1 : 2;
}

/* Compare one column: figures largest first, names A-Z, unknown last. */
static int cmp_col(const struct ps_ctx *c, const struct row *a,
		   const struct row *b, int col)
{
	const struct ksm_procstat *x = a->st, *y = b->st;
	char n1[32], n2[32];
	int field = columns[col].field;
	double p, q;

	if (field >= 0 && col != COL_PROFIT && has(x, field) != has(y, field))
		return has(x, field) ? -1 : 1;
	switch (col) {
	case COL_PID:
		return a->proc->pid - b->proc->pid;
	case COL_UID:
		if (a->proc->has_uid != b->proc->has_uid)
			return a->proc->has_uid ? -1 : 1;
		return a->proc->uid < b->proc->uid ? -1 : a->proc->uid > b->proc->uid;
	case COL_PROCS:
		return cmp_ull(a->sum->procs, b->sum->procs);
	case COL_MERGING:
		return cmp_ull(x->merging_pages, y->merging_pages);
	case COL_ZERO:
		return cmp_ull(x->zero_pages, y->zero_pages);
	case COL_RMAP:
		return cmp_ull(x->rmap_items, y->rmap_items);
	case COL_COW:
		return cmp_ull(x->cow_pages, y->cow_pages);
	case COL_PROFIT:
		if (x->profit_known != y->profit_known)
			return x->profit_known ? -1 : 1;
		return x->profit < y->profit ? 1 : x->profit > y->profit ? -1 : 0;
	case COL_SHARE:
		p = ksm_share_pct(x, &c->system);
		q = ksm_share_pct(y, &c->system);
		if (isnan(p) || isnan(q))
			return isnan(p) - isnan(q);
		return p < q ? 1 : p > q ? -1 : 0;
	case COL_VERDICT:
		return verdict_rank(c, x) - verdict_rank(c, y);
	case COL_MERGE_ANY:
		return tri_rank(x->merge_any) - tri_rank(y->merge_any);
	case COL_MERGEABLE:
		return tri_rank(x->mergeable) - tri_rank(y->mergeable);
	default:
		return strcmp(id_text(c, a, col, n1, sizeof(n1)),
			      id_text(c, b, col, n2, sizeof(n2)));
	}
}

static int cmp_rows(const void *va, const void *vb, void *arg)
{
	const struct ps_ctx *c = arg;
	const struct row *a = va, *b = vb;
	int d = cmp_col(c, a, b, c->sort);

	if (d)
		return d;
	if (a->proc)
		return a->proc->pid - b->proc->pid;
	return strcmp(ksm_procs_str(c->procs, a->sum->key),
		      ksm_procs_str(c->procs, b->sum->key));
}

/*
 * Where "total" and "system" go: the first name column shown.  -1 (no
 * total lines) without one, or without a figure to add up.
 */
static int label_column(const struct ps_ctx *c)
{
	int label = -1, figures = 0;

	for (int i = 0; i < c->ncols; i++) {
		if (columns[c->cols[i]].kind != KIND_ID)
			figures++;
		else if (label < 0)
			label = c->cols[i];
	}
	return figures ? label : -1;
}

static int add_line(struct libscols_table *tb, const struct ps_ctx *c,
		    const struct row *r, int label_col)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	static char buf[4 * 4096 + 64];

	if (!ln)
		return -ENOMEM;
	for (int i = 0; i < c->ncols; i++) {
		const char *text = cell(c, r, c->cols[i], label_col, buf,
					sizeof(buf));

		if (text && scols_line_set_data(ln, (size_t)i, text))
			return -ENOMEM;
	}
	return 0;
}

static struct libscols_table *new_table(const struct ps_ctx *c)
{
	struct libscols_table *tb = scols_new_table();

	if (!tb)
		return NULL;
	scols_table_enable_raw(tb, c->o->mode == OUT_RAW);
	scols_table_enable_json(tb, c->o->mode == OUT_JSON);
	scols_table_enable_noheadings(tb, c->o->noheadings);
	/* the table form is escaped by table_escape() */
	scols_table_enable_noencoding(tb, c->o->mode == OUT_TABLE);
	scols_table_set_name(tb, c->o->by ? "groups" : "processes");
	for (int i = 0; i < c->ncols; i++) {
		const struct column *col = &columns[c->cols[i]];
		struct libscols_column *cl;

		cl = scols_table_new_column(tb, col->name, col->whint, col->flags);
		if (!cl) {
			scols_unref_table(tb);
			return NULL;
		}
		scols_column_set_json_type(cl, col->json);
	}
	return tb;
}

static struct json_object *json_size(const struct ps_ctx *c,
				     const struct ksm_procstat *st, int field,
				     unsigned long long pages)
{
	if (!has(st, field))
		return NULL;
	return json_object_new_uint64(pages * (unsigned long long)c->page_size);
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

static int print_rows(struct ps_ctx *c, struct row *rows, size_t n,
		      const struct ksm_psum *total)
{
	struct row trow = { .sum = total, .st = &total->st, .label = "total" };
	struct row srow = { .st = &c->system, .label = "system" };
	struct libscols_table *tb;
	int label_col = label_column(c), err = 0;

	qsort_r(rows, n, sizeof(*rows), cmp_rows, c);
	tb = new_table(c);
	if (!tb)
		return -ENOMEM;
	for (size_t i = 0; i < n && !err; i++)
		err = add_line(tb, c, &rows[i], label_col);
	/* Totals only where a reader sees them as such: not in raw rows. */
	if (!err && c->o->mode == OUT_TABLE && label_col >= 0) {
		err = add_line(tb, c, &trow, label_col);
		if (!err)
			err = add_line(tb, c, &srow, label_col);
	}
	if (!err)
		err = c->o->mode == OUT_JSON ? print_json(c, tb, total) :
					       scols_print_table(tb);
	scols_unref_table(tb);
	return err;
}

static int print_procs(struct ps_ctx *c, const struct ksm_procs *p)
{
	struct row *rows = calloc(p->n ? p->n : 1, sizeof(*rows));
	struct ksm_psum total;
	int err;

	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++) {
		rows[i].proc = &p->v[i];
		rows[i].st = &p->v[i].st;
	}
	ksm_procs_total(p, &total);
	err = print_rows(c, rows, p->n, &total);
	free(rows);
	return err;
}

static int print_groups(struct ps_ctx *c, const struct ksm_procs *p)
{
	struct ksm_psum *groups, total;
	struct row *rows;
	size_t n;
	int err;

	err = ksm_procs_group(p, c->o->by, &groups, &n);
	if (err)
		return err;
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		free(groups);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		rows[i].sum = &groups[i];
		rows[i].st = &groups[i].st;
	}
	ksm_procs_total(p, &total);
	err = print_rows(c, rows, n, &total);
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
		int field = columns[c->cols[i]].field;

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
			 strerror(-p->failed_err));
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
				err == -EINVAL ? "unexpected contents" : strerror(-err));
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
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int ps_run(struct ksm_ctx *ctx, int argc, char **argv);

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
		"  -h, --help              display this help\n"
		"\n"
		"Columns: PID USER UID COMM PROCS MERGING ZERO RMAP PROFIT SHARE VERDICT MERGE_ANY MERGEABLE COW UNIT VM CGROUP\n"
		"  PID        process id\n"
		"  USER       owner (effective user)\n"
		"  UID        owner's user id\n"
		"  COMM       command name\n"
		"  PROCS      processes in the group (--group-by)\n"
		"  MERGING    memory mapped from KSM pages (ksm_merging_pages)\n"
		"  ZERO       memory merged with the zero page (ksm_zero_pages)\n"
		"  RMAP       pages KSM tracks, merged or not (ksm_rmap_items)\n"
		"  PROFIT     memory saved less metadata spent; negative: a loss\n"
		"  SHARE      part of everything KSM merged system-wide, in percent\n"
		"  VERDICT    'not worth scanning' when rmap items / merged pages > 64\n"
		"  MERGE_ANY  whole process merged (prctl PR_SET_MEMORY_MERGE)\n"
		"  MERGEABLE  has areas registered with KSM (madvise or prctl)\n"
		"  COW        KSM pages copied on write (ksm_cow_pages, where reported)\n"
		"  UNIT       systemd unit or scope\n"
		"  VM         qemu guest name\n"
		"  CGROUP     cgroup v2 path\n"
		"\n"
		"Default: PID USER COMM MERGING ZERO RMAP PROFIT SHARE VERDICT MERGE_ANY\n"
		"MERGEABLE UNIT VM CGROUP; with --group-by: KEY PROCS MERGING ZERO RMAP\n"
		"PROFIT SHARE VERDICT.  '-' marks a figure this kernel does not report.\n"
		"Per-process profits add up to more than general_profit: each process\n"
		"counts the KSM pages it maps, so every shared page is counted once more\n"
		"than it is saved (see ksmctl(8)).\n",
	.shortopts = "ap:u:g:o:bJrnh",
	.longopts = ps_longopts,
	.run = ps_run,
};

static int parse_args(struct ps_opts *o, int argc, char **argv)
{
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
	err = o.by ? print_groups(&c, &procs) : print_procs(&c, &procs);
	if (err) {
		ksm_err("cannot print the table: %s", strerror(-err));
		status = EXIT_FAIL;
	} else {
		note_missing(&c);
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
