// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl apply / ksmctl save: persistent settings in /etc/ksmctl.conf.
 *
 * apply checks the whole file against this kernel before it writes
 * anything (file:line for every error), then writes through the same
 * transaction as set.  save writes what the kernel holds now, in the
 * same format, atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../ksmctl.h"
#include "../report.h"
#include "../lib/conf.h"
#include "../lib/escape.h"
#include "../lib/governor.h"
#include "../lib/parse.h"
#include "../lib/savefile.h"

/* Below the sysroot, so --sysroot replays a whole system. */
#define CONF_PATH "etc/ksmctl.conf"
#define CONF_MAX (64 * 1024)
#define MAX_SETTINGS 128

/* ---- reading the file ------------------------------------------------- */

struct conf_file {
	char shown[600];	/* the name for messages: "/etc/ksmctl.conf" */
	int dirfd;		/* the root's, or AT_FDCWD for --config */
	const char *path;
};

static void conf_file_init(struct ksm_ctx *ctx, struct conf_file *f,
			   const char *given)
{
	if (given) {
		f->dirfd = AT_FDCWD;
		f->path = given;
		ksm_escape(given, f->shown, sizeof(f->shown));
	} else {
		f->dirfd = ksm_root_fd(ctx->root);
		f->path = CONF_PATH;
		snprintf(f->shown, sizeof(f->shown), "/%s", CONF_PATH);
	}
}

/* ---- apply ------------------------------------------------------------ */

struct setting {
	int line;
	const struct ksm_knob *knob;	/* NULL for governor */
	char value[KSM_CONF_VALUE_MAX];
	int from_governor;		/* the governor line that asked for it */
};

struct message {
	int line;
	bool error;
	char text[700];
};

#define MAX_MESSAGES 200

struct apply_state {
	const struct conf_file *file;
	struct message msg[MAX_MESSAGES];
	int nmsg;
	const struct ksm_sample *s;
	bool strict;
	struct setting set[MAX_SETTINGS];
	int count;
	int errors;
	/* governor = ... */
	int gov_line;
	unsigned int gov_budget;
	const char *gov_preset;
};

static void add_message(struct apply_state *a, int line, bool error,
			const char *fmt, va_list ap)
{
	struct message *m;

	if (error)
		a->errors++;
	if (a->nmsg == MAX_MESSAGES)
		return;
	m = &a->msg[a->nmsg++];
	m->line = line;
	m->error = error;
	vsnprintf(m->text, sizeof(m->text), fmt, ap);
}

__attribute__((format(printf, 3, 4)))
static void line_error(struct apply_state *a, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_message(a, line, true, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4)))
static void line_warning(struct apply_state *a, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_message(a, line, false, fmt, ap);
	va_end(ap);
}

/* Every message, in the order of the file's lines. */
static void print_messages(struct apply_state *a)
{
	for (int i = 1; i < a->nmsg; i++) {
		struct message m = a->msg[i];
		int j = i - 1;

		while (j >= 0 && a->msg[j].line > m.line) {
			a->msg[j + 1] = a->msg[j];
			j--;
		}
		a->msg[j + 1] = m;
	}
	for (int i = 0; i < a->nmsg; i++)
		ksm_err("%s:%d: %s", a->file->shown, a->msg[i].line, a->msg[i].text);
	if (a->nmsg == MAX_MESSAGES)
		ksm_err("%s: too many errors: the first %d shown", a->file->shown,
			MAX_MESSAGES);
}

static const struct setting *find_setting(const struct apply_state *a,
					  const struct ksm_knob *knob)
{
	for (int i = 0; i < a->count; i++)
		if (a->set[i].knob == knob)
			return &a->set[i];
	return NULL;
}

/* "governor = low", or a budget in percent: "governor = 35" or "35%". */
static void take_governor(struct apply_state *a, const struct ksm_conf_line *l)
{
	const struct ksm_gov_preset *p = ksm_gov_preset_find(l->value);
	char num[16], shown[KSM_CONF_VALUE_MAX * 4];
	unsigned long long pct;
	size_t len = strlen(l->value);

	if (a->gov_line) {
		line_error(a, l->line, "governor: given again (first on line %d)",
			   a->gov_line);
		return;
	}
	if (p) {
		a->gov_line = l->line;
		a->gov_budget = p->budget;
		a->gov_preset = p->name;
		return;
	}
	if (len && l->value[len - 1] == '%')
		len--;
	if (len && len < sizeof(num)) {
		memcpy(num, l->value, len);
		num[len] = '\0';
		if (!kstrtoull10(num, &pct) && !strchr(num, '+') &&
		    !strchr(num, '\n') && pct >= 1 && pct <= 100) {
			a->gov_line = l->line;
			a->gov_budget = (unsigned int)pct;
			return;
		}
	}
	ksm_escape(l->value, shown, sizeof(shown));
	line_error(a, l->line, "governor: invalid value '%s': expected full, medium, low, quiet or a percentage of one CPU (1 to 100)",
		   shown);
}

/* The kernel lacks the knob: a warning, or an error with --strict. */
static void missing(struct apply_state *a, const struct ksm_conf_line *l,
		    const struct ksm_knob *k)
{
	char why[512];

	ksm_explain_missing(k, a->s, why, sizeof(why));
	if (a->strict) {
		line_error(a, l->line, "%s: %s", k->name, why);
		return;
	}
	line_warning(a, l->line, "%s: %s: skipped", k->name, why);
}

static int take_line(const struct ksm_conf_line *l, void *data)
{
	struct apply_state *a = data;
	char shown[KSM_CONF_NAME_MAX * 4], canon[128];
	const struct ksm_knob *k;
	const struct setting *prev;
	struct ksm_refusal why = { "" };
	struct ksm_value v;

	if (l->error) {
		line_error(a, l->line, "%s", l->error);
		return 0;
	}
	if (!strcmp(l->name, "governor")) {
		take_governor(a, l);
		return 0;
	}
	k = ksm_knob_find(l->name);
	if (!k) {
		ksm_escape(l->name, shown, sizeof(shown));
		line_error(a, l->line, "%s: unknown setting: not a knob (see 'ksmctl get') nor 'governor'",
			   shown);
		return 0;
	}
	prev = find_setting(a, k);
	if (prev) {
		line_error(a, l->line, "%s: given again (first on line %d)", k->name,
			   prev->line);
		return 0;
	}
	if (a->s->v[ksm_knob_id(k)].err == -ENOENT) {
		missing(a, l, k);
		return 0;
	}
	if (ksm_knob_parse_input_on(k, ksm_sample_dirs(a->s), l->value, &v,
				    canon, sizeof(canon), &why)) {
		line_error(a, l->line, "%s: %s", k->name, why.why);
		return 0;
	}
	if (a->count == MAX_SETTINGS) {
		line_error(a, l->line, "more than %d settings", MAX_SETTINGS);
		return 0;
	}
	a->set[a->count].line = l->line;
	a->set[a->count].knob = k;
	snprintf(a->set[a->count].value, sizeof(a->set[0].value), "%s", canon);
	a->count++;
	return 0;
}

/* The governor's knobs for this kernel join the file's own settings. */
static void expand_governor(struct ksm_ctx *ctx, struct apply_state *a,
			    struct ksm_gov_plan *plan_out)
{
	struct ksm_gov_calibration cal;
	struct ksm_gov_caps caps;
	struct ksm_gov_plan plan;
	enum ksm_gov_kind kind;
	double cost = KSM_GOV_DEFAULT_COST_NS;

	if (!a->gov_line)
		return;
	ksm_gov_probe(ctx->root, a->s, &caps);
	kind = ksm_gov_detect(&caps);
	if (!ksm_gov_calibration_load(ctx->root, &cal))
		cost = cal.cost_ns;
	if (ksm_gov_map(kind, a->gov_budget, a->gov_preset, cost, a->s, &plan)) {
		line_error(a, a->gov_line, "governor: %u%% is not possible on UKSM: %s",
			   a->gov_budget, plan.note);
		return;
	}
	for (int i = 0; i < plan.count; i++) {
		const struct ksm_knob *k = ksm_knob_find(plan.set[i].knob);
		const struct setting *prev = k ? find_setting(a, k) : NULL;

		if (!k) {
			line_error(a, a->gov_line, "governor: %s: unknown to this ksmctl",
				   plan.set[i].knob);
			continue;
		}
		/* the user's own sleep (say) beats the room ksmctl makes */
		if (prev && !ksm_gov_defines_budget(plan.kind, k->name))
			continue;
		if (prev) {
			line_error(a, prev->line, "%s: also set by the governor (line %d) on this kernel: keep one of them",
				   k->name, a->gov_line);
			continue;
		}
		if (a->count == MAX_SETTINGS)
			break;
		a->set[a->count] = (struct setting){
			.line = a->gov_line, .knob = k, .from_governor = a->gov_line,
		};
		snprintf(a->set[a->count].value, sizeof(a->set[0].value), "%s",
			 plan.set[i].value);
		a->count++;
	}
	*plan_out = plan;
}

/* A transaction of every setting except those marked skip. */
static void build_txn(const struct apply_state *a, const bool *skip,
		      struct ksm_txn *t, unsigned int flags)
{
	ksm_txn_init(t, flags);
	t->dirs = ksm_sample_dirs(a->s);
	for (int i = 0; i < a->count; i++) {
		struct ksm_refusal why;

		if (!skip[i])
			ksm_txn_add(t, a->set[i].knob->name, a->set[i].value, &why);
	}
}

/*
 * The plan's refusals (advisor on, min > max, pages shared, run=2, ...)
 * against this kernel's state, each with its line: plan, take the
 * culprit out, plan again.
 */
static void check_plan(struct ksm_ctx *ctx, struct apply_state *a, bool unmerge)
{
	bool skip[MAX_SETTINGS] = { false };
	struct ksm_txn t;

	for (int round = 0; round < a->count; round++) {
		const struct ksm_knob *culprit = NULL;
		struct ksm_refusal why = { "" };
		int err;

		build_txn(a, skip, &t, unmerge ? TXN_UNMERGE_FIRST : 0);
		err = ksm_txn_plan(&t, ctx->root, a->s, &why, &culprit);
		if (!err || !culprit)
			return;
		for (int i = 0; i < a->count; i++) {
			if (a->set[i].knob != culprit)
				continue;
			if (a->set[i].from_governor)
				line_error(a, a->set[i].line, "governor: %s %s: %s",
					   culprit->name, a->set[i].value, why.why);
			else
				line_error(a, a->set[i].line, "%s: %s", culprit->name,
					   why.why);
			skip[i] = true;
		}
	}
}

static const struct option apply_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "strict", no_argument, NULL, 's' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "unmerge", no_argument, NULL, 'U' },
	{ "force", no_argument, NULL, 'f' },
	{ "timeout", required_argument, NULL, 'T' },
	{ "no-wait", no_argument, NULL, 'W' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int apply_run(struct ksm_ctx *ctx, int argc, char **argv);

const struct ksm_command cmd_apply = {
	.name = "apply",
	.summary = "apply the settings of /etc/ksmctl.conf (at boot: ksmctl.service)",
	.usage =
		"Usage: ksmctl apply [options]\n"
		"\n"
		"Check every line of /etc/ksmctl.conf against this kernel, then write\n"
		"the settings as 'ksmctl set' does: all or nothing, in a valid order.\n"
		"Any error (each reported as FILE:LINE) and nothing is written.  Lines\n"
		"are 'knob = value' or 'governor = full|medium|low|quiet|PERCENT';\n"
		"'#' starts a comment.  Knobs this kernel lacks are skipped with a\n"
		"warning.  ksmctl.service runs 'ksmctl apply' at boot.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE   read FILE instead of /etc/ksmctl.conf\n"
		"      --strict        a knob this kernel lacks is an error\n"
		"  -n, --dry-run       check and show the changes, write nothing\n"
		"  -q, --quiet         print nothing on success\n"
		"      --unmerge       unmerge first where a change needs it (as in set)\n"
		"  -f, --force         with --unmerge: skip the memory check\n"
		"      --timeout SECS  with --unmerge: wait this long for the stable\n"
		"                      tree to drain (default 30)\n"
		"      --no-wait       fail at once if another ksmctl is changing settings\n"
		"  -h, --help          display this help\n",
	.shortopts = "c:nqfh",
	.longopts = apply_opts,
	.run = apply_run,
};

static int apply_run(struct ksm_ctx *ctx, int argc, char **argv)
{
	static struct apply_state a;
	struct ksm_txn_opts opts = { 0 };
	const char *config = NULL;
	struct conf_file file;
	bool none[MAX_SETTINGS] = { false };
	static char text[CONF_MAX];
	struct ksm_gov_plan plan = { .kind = KSM_GOV_MANUAL };
	struct ksm_sample s;
	struct ksm_txn t;
	int c, err, status;

	memset(&a, 0, sizeof(a));
	while ((c = ksm_getopt(&cmd_apply, argc, argv)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 's':
			a.strict = true;
			break;
		default:
			if (ksm_txn_getopt(&cmd_apply, c, &opts) != 1)
				return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return ksm_usage_error(&cmd_apply, "unexpected argument '%s' (the file goes with --config)",
				       ksm_shown(argv[optind]));
	if ((opts.force || opts.drain_timeout_ms) && !opts.unmerge)
		return ksm_usage_error(&cmd_apply, "--force and --timeout go with --unmerge");
	status = ksm_ctx_sample(ctx, &s);
	if (status)
		return status;
	conf_file_init(ctx, &file, config);
	err = ksm_read_at(file.dirfd, file.path, text, sizeof(text),
			  KSM_READ_TEXT, NULL);
	if (err) {
		ksm_err("%s: cannot read: %s", file.shown,
			err == -EFBIG ? "larger than 64 KiB" : ksm_read_strerror(err));
		return EXIT_FAIL;
	}
	a.file = &file;
	a.s = &s;
	/* every error of the file, each with its line, then nothing written */
	ksm_conf_parse(text, take_line, &a);
	expand_governor(ctx, &a, &plan);
	check_plan(ctx, &a, opts.unmerge);
	print_messages(&a);
	if (a.errors) {
		ksm_err("%s: %d error%s: nothing was changed", file.shown, a.errors,
			a.errors == 1 ? "" : "s");
		return EXIT_FAIL;
	}
	if (!a.count) {
		if (!opts.quiet)
			printf("%s: nothing to apply\n", file.shown);
		return EXIT_OK;
	}
	if (a.gov_line && !opts.quiet) {
		if (a.gov_preset)
			printf("governor: %s (%u%% of one CPU) with %s\n",
			       a.gov_preset, a.gov_budget, ksm_gov_kind_text(plan.kind));
		else
			printf("governor: %u%% of one CPU with %s\n", a.gov_budget,
			       ksm_gov_kind_text(plan.kind));
	}
	build_txn(&a, none, &t, 0);
	return ksm_change_cli(ctx, &t, &opts);
}

/* ---- save ------------------------------------------------------------- */

static const char *const group_titles[GROUP_COUNT] = {
	[GROUP_STATE] = "State",
	[GROUP_SCANNING] = "Scanning",
	[GROUP_ADVISOR] = "Advisor",
	[GROUP_COUNTERS] = "Counters",
};

struct out {
	char *buf;
	size_t size, len;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len >= o->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	o->len += n > 0 ? (size_t)n : 0;
}

/*
 * One knob as a line; a value ksmctl itself would refuse to apply (a
 * preset's 1% on UKSM, nonsense the kernel took) is kept as a comment.
 */
static int save_knob(struct out *o, const struct ksm_sample *s,
		     const struct ksm_knob *k)
{
	const struct ksm_value *v = &s->v[ksm_knob_id(k)];
	unsigned int dirs = ksm_sample_dirs(s);
	struct ksm_refusal why = { "" };
	char value[96], canon[96];
	struct ksm_value back;

	ksm_knob_format(k, v, value, sizeof(value));
	put(o, "\n# %s\n", ksm_knob_help(k, dirs));
	if (k == &ksm_knobs[KSM_RUN] && v->u == 2) {
		put(o, "# (it reads 2: stopped after an unmerge)\nrun = 0\n");
		return 1;
	}
	if ((k->flags & KNOB_ADVISOR_OWNED) && ksm_u(s, KSM_ADVISOR_MODE) != 0) {
		put(o, "# %s = %s (set by the advisor while advisor_mode is not none)\n",
		    k->name, value);
		return 0;
	}
	if (ksm_knob_parse_input_on(k, dirs, value, &back, canon, sizeof(canon),
				    &why)) {
		put(o, "# %s = %s (not applied: %s)\n", k->name, value, why.why);
		return 0;
	}
	put(o, "%s = %s\n", k->name, canon);
	return 1;
}

static int save_text(struct ksm_ctx *ctx, const struct ksm_sample *s,
		     struct out *o)
{
	struct ksm_gov_calibration cal;
	struct ksm_gov_caps caps;
	struct ksm_gov_state st;
	char rel[sizeof(s->release) * 4];
	int n = 0;

	ksm_escape(s->release[0] ? s->release : "?", rel, sizeof(rel));
	put(o, "# ksmctl settings: 'ksmctl apply' writes them (at boot: ksmctl.service).\n"
	       "# Saved by 'ksmctl save' on Linux %s.\n"
	       "# One 'knob = value' per line, or 'governor = full|medium|low|quiet'\n"
	       "# (or a percentage) for a CPU budget instead of the knobs it sets.\n"
	       "# See ksmctl(8).\n", rel);
	ksm_gov_probe(ctx->root, s, &caps);
	ksm_gov_recognise(ksm_gov_detect(&caps), &caps, s,
			  ksm_gov_calibration_load(ctx->root, &cal) ?
			  KSM_GOV_DEFAULT_COST_NS : cal.cost_ns, &st);
	if (strcmp(st.preset, "custom"))
		put(o, "#\n# These knobs realise 'governor = %s' on this kernel.\n",
		    st.preset);
	for (int g = 0; g < GROUP_COUNT; g++) {
		bool title = false;

		for (int id = 0; id < KSM_KNOB_COUNT; id++) {
			const struct ksm_knob *k = &ksm_knobs[id];

			if ((int)k->group != g || !ksm_knob_writable(k) ||
			    !ksm_has(s, (enum ksm_knob_id)id))
				continue;
			if (!title)
				put(o, "\n# --- %s\n", group_titles[g]);
			title = true;
			n += save_knob(o, s, k);
		}
	}
	return n;
}

static const struct option save_opts[] = {
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int save_run(struct ksm_ctx *ctx, int argc, char **argv);

const struct ksm_command cmd_save = {
	.name = "save",
	.summary = "write the current settings to /etc/ksmctl.conf",
	.usage =
		"Usage: ksmctl save [options] [FILE]\n"
		"\n"
		"Write every setting this kernel has, as it reads now, in the format of\n"
		"/etc/ksmctl.conf, so 'ksmctl apply' (and ksmctl.service at boot) puts\n"
		"them back.  FILE defaults to /etc/ksmctl.conf; '-' is standard output.\n"
		"The file is replaced atomically: it holds the old settings or the new.\n"
		"\n"
		"Options:\n"
		"  -q, --quiet   print nothing on success\n"
		"  -h, --help    display this help\n",
	.shortopts = "qh",
	.longopts = save_opts,
	.run = save_run,
};

static int save_run(struct ksm_ctx *ctx, int argc, char **argv)
{
	static char text[CONF_MAX];
	struct out o = { text, sizeof(text), 0 };
	struct conf_file file;
	struct ksm_sample s;
	bool quiet = false;
	int c, n, err, status;

	while ((c = ksm_getopt(&cmd_save, argc, argv)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind + 1 < argc)
		return ksm_usage_error(&cmd_save, "unexpected argument '%s'",
				       ksm_shown(argv[optind + 1]));
	status = ksm_ctx_sample(ctx, &s);
	if (status)
		return status;
	n = save_text(ctx, &s, &o);
	if (optind < argc && !strcmp(argv[optind], "-")) {
		fputs(text, stdout);
		return EXIT_OK;
	}
	conf_file_init(ctx, &file, optind < argc ? argv[optind] : NULL);
	err = ksm_file_replace(file.dirfd, file.path, text, 0644,
			       file.dirfd != AT_FDCWD);
	if (err) {
		ksm_err("%s: cannot write: %s%s", file.shown, strerror(-err),
			ksm_write_hint(err));
		return EXIT_FAIL;
	}
	if (!quiet)
		printf("saved %d setting%s to %s\n", n, n == 1 ? "" : "s", file.shown);
	return EXIT_OK;
}
