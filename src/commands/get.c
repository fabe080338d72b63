// SPDX-License-Identifier: GPL-2.0-or-later
/* ksmctl get: read knobs, one value per line, or a table of them all. */
#include <errno.h>
#include <libsmartcols.h>
#include <string.h>

#include "../ksmctl.h"
#include "../report.h"
#include "../lib/escape.h"
#include "../show.h"

extern const struct ksm_command cmd_get;

enum { COL_NAME, COL_VALUE, COL_ACCESS, COL_SINCE, COL_DESCRIPTION, COL_COUNT };

/* The column table, as zramctl and lsmem have: drives -o and --help. */
static const struct column {
	const char *name;
	double whint;
	int flags;
	const char *help;
} columns[COL_COUNT] = {
	[COL_NAME] = { "NAME", 0.3, 0, "knob name" },
	[COL_VALUE] = { "VALUE", 0.2, SCOLS_FL_RIGHT, "current value" },
	[COL_ACCESS] = { "ACCESS", 0.05, 0, "rw (a setting) or ro (a counter)" },
	[COL_SINCE] = { "SINCE", 0.1, 0, "Linux version that added it" },
	[COL_DESCRIPTION] = { "DESCRIPTION", 0.5, SCOLS_FL_TRUNC, "what it does" },
};

static int column_by_name(const char *name, size_t len)
{
	for (int i = 0; i < COL_COUNT; i++)
		if (strlen(columns[i].name) == len &&
		    !strncasecmp(columns[i].name, name, len))
			return i;
	return -1;
}

/* "-o NAME,VALUE" or "-o +SINCE" (append to the defaults). */
static int parse_columns(const char *list, int *cols, int *ncols)
{
	const char *p = list;

	if (*p == '+')
		p++;
	else
		*ncols = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		int col = column_by_name(p, len);

		if (col < 0 || *ncols == COL_COUNT)
			return -EINVAL;
		cols[(*ncols)++] = col;
		p += len;
		if (*p == ',')
			p++;
	}
	return *ncols ? 0 : -EINVAL;
}

static void cell_text(const struct ksm_sample *s, enum ksm_knob_id id, int col,
		      char *buf, size_t size)
{
	const struct ksm_knob *k = &ksm_knobs[id];

	switch (col) {
	case COL_NAME:
		snprintf(buf, size, "%s", k->name);
		break;
	case COL_VALUE:
		if (ksm_bad(s, id))
			snprintf(buf, size, "unreadable");
		else
			ksm_knob_format(k, &s->v[id], buf, size);
		break;
	case COL_ACCESS:
		snprintf(buf, size, "%s", ksm_knob_writable(k) ? "rw" : "ro");
		break;
	case COL_SINCE:
		if (!(ksm_knob_dirs(k) & KNOB_IN_KSM)) {
			snprintf(buf, size, "UKSM");	/* out of tree */
			break;
		}
		ksm_version_format(k->since, buf, size);
		memmove(buf, buf + 6, strlen(buf + 6) + 1);	/* drop "Linux " */
		break;
	default:
		snprintf(buf, size, "%s", ksm_knob_help(k, ksm_sample_dirs(s)));
	}
}

struct table_opts {
	bool raw, noheadings;
	int cols[COL_COUNT], ncols;
};

static int print_table(const struct ksm_sample *s, const struct table_opts *o)
{
	struct libscols_table *tb = scols_new_table();
	int err = 0;

	if (!tb)
		return -ENOMEM;
	scols_table_enable_raw(tb, o->raw);
	scols_table_enable_noheadings(tb, o->noheadings);
	for (int i = 0; i < o->ncols && !err; i++) {
		const struct column *c = &columns[o->cols[i]];

		if (!scols_table_new_column(tb, c->name, c->whint, c->flags))
			err = -ENOMEM;
	}
	for (int id = 0; id < KSM_KNOB_COUNT && !err; id++) {
		struct libscols_line *ln;

		if (s->v[id].err && !ksm_bad(s, (enum ksm_knob_id)id))
			continue;
		ln = scols_table_new_line(tb, NULL);
		if (!ln) {
			err = -ENOMEM;
			break;
		}
		for (int i = 0; i < o->ncols; i++) {
			char text[256];

			cell_text(s, (enum ksm_knob_id)id, o->cols[i], text, sizeof(text));
			if (scols_line_set_data(ln, (size_t)i, text))
				err = -ENOMEM;
		}
	}
	if (!err)
		err = scols_print_table(tb);
	scols_unref_table(tb);
	return err;
}

/* Values of the named knobs: one per line, or one JSON object. */
static int print_named(const struct ksm_sample *s, char **names, int n,
		       bool json)
{
	struct json_object *obj = json ? json_object_new_object() : NULL;
	int status = EXIT_OK;

	for (int i = 0; i < n; i++) {
		const struct ksm_knob *k = ksm_knob_find(names[i]);
		char value[64], why[256], shown[128];

		if (!k) {
			ksm_escape(names[i], shown, sizeof(shown));
			/* a misspelt name is a usage error, as in set */
			status = ksm_usage_error(&cmd_get, "%s: unknown knob (see 'ksmctl get' for the list)",
						 shown);
			continue;
		}
		if (s->v[ksm_knob_id(k)].err == -ENOENT) {
			ksm_explain_missing(k, s, why, sizeof(why));
			ksm_err("%s: %s", k->name, why);
			if (status == EXIT_OK)
				status = EXIT_UNAVAILABLE;
			continue;
		}
		if (s->v[ksm_knob_id(k)].err) {
			ksm_sample_why(s, ksm_knob_id(k), why, sizeof(why));
			ksm_err("%s: %s", k->name, why);
			if (status != EXIT_USAGE)
				status = EXIT_FAIL;
			continue;
		}
		if (json) {
			json_object_object_add(obj, k->name,
					       show_json_value(k, &s->v[ksm_knob_id(k)]));
			continue;
		}
		ksm_knob_format(k, &s->v[ksm_knob_id(k)], value, sizeof(value));
		printf("%s\n", value);
	}
	if (json) {
		show_json_print(obj);
		json_object_put(obj);
	}
	return status;
}

static int print_all_json(const struct ksm_sample *s)
{
	struct json_object *obj = json_object_new_object();

	/* a file that is there but unreadable: null, never a made-up 0 */
	for (int id = 0; id < KSM_KNOB_COUNT; id++)
		if (!s->v[id].err || ksm_bad(s, (enum ksm_knob_id)id))
			json_object_object_add(obj, ksm_knobs[id].name,
					       show_json_value(&ksm_knobs[id], &s->v[id]));
	show_json_print(obj);
	json_object_put(obj);
	return ksm_report_bad_values(s);
}

static const struct option get_opts[] = {
	{ "json", no_argument, NULL, 'J' },
	{ "raw", no_argument, NULL, 'r' },
	{ "noheadings", no_argument, NULL, 'n' },
	{ "output", required_argument, NULL, 'o' },
	{ "output-all", no_argument, NULL, 'A' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int get_run(struct ksm_ctx *ctx, int argc, char **argv);

const struct ksm_command cmd_get = {
	.name = "get",
	.summary = "print knob values",
	.usage =
		"Usage: ksmctl get [options] [KNOB...]\n"
		"\n"
		"Print the values of the named knobs, one per line, as the kernel\n"
		"accepts them.  Without a knob, list every knob this kernel has.\n"
		"\n"
		"Options:\n"
		"  -J, --json            JSON object of knob names and typed values\n"
		"  -r, --raw             list in raw format\n"
		"  -n, --noheadings      list without a heading line\n"
		"  -o, --output LIST     list these columns ('+LIST' appends)\n"
		"      --output-all      list every column\n"
		"  -h, --help            display this help\n"
		"\n"
		"Columns: NAME VALUE ACCESS SINCE DESCRIPTION (default: NAME VALUE ACCESS DESCRIPTION)\n",
	.shortopts = "Jrno:h",
	.longopts = get_opts,
	.run = get_run,
};

static int get_run(struct ksm_ctx *ctx, int argc, char **argv)
{
	struct table_opts t = {
		.cols = { COL_NAME, COL_VALUE, COL_ACCESS, COL_DESCRIPTION },
		.ncols = 4,
	};
	struct ksm_sample s;
	bool json = false;
	int c, status;

	while ((c = ksm_getopt(&cmd_get, argc, argv)) != -1) {
		switch (c) {
		case 'J':
			json = true;
			break;
		case 'r':
			t.raw = true;
			break;
		case 'n':
			t.noheadings = true;
			break;
		case 'o':
			if (parse_columns(optarg, t.cols, &t.ncols))
				return ksm_usage_error(&cmd_get, "--output: invalid column list '%s': expected NAME, VALUE, ACCESS, SINCE or DESCRIPTION, comma-separated",
						       ksm_shown(optarg));
			break;
		case 'A':
			for (t.ncols = 0; t.ncols < COL_COUNT; t.ncols++)
				t.cols[t.ncols] = t.ncols;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	status = ksm_ctx_sample(ctx, &s);
	if (status)
		return status;
	if (optind < argc)
		return print_named(&s, argv + optind, argc - optind, json);
	if (json)
		return print_all_json(&s);
	if (print_table(&s, &t)) {
		ksm_err("cannot print the table: %s", strerror(ENOMEM));
		return EXIT_FAIL;
	}
	return ksm_report_bad_values(&s);
}
