// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl governor: UKSM's CPU presets for ksmd on every kernel -- show
 * the active one, set one (through the one change path), or measure
 * ksmd's cost per page for the kernels where ksmctl does the pacing.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "../ksmctl.h"
#include "../report.h"
#include "../lib/escape.h"
#include "../lib/parse.h"
#include "../lib/governor.h"
#include "../lib/ksmd.h"
#include "../lib/savefile.h"
#include "../lib/units.h"
#include "../follow.h"
#include "../show.h"

#define DEFAULT_DURATION_MS 10000

static const struct option governor_opts[] = {
	{ "max-cpu", required_argument, NULL, 'm' },
	{ "calibrate", no_argument, NULL, 'C' },
	{ "duration", required_argument, NULL, 'D' },
	{ "follow", no_argument, NULL, 'f' },
	{ "interval", required_argument, NULL, 'i' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "json", no_argument, NULL, 'J' },
	{ "no-wait", no_argument, NULL, 'W' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int governor_run(struct ksm_ctx *ctx, int argc, char **argv);

const struct ksm_command cmd_governor = {
	.name = "governor",
	.summary = "CPU budget presets for ksmd (UKSM's cpu_governor) on any kernel",
	.usage =
		"Usage: ksmctl governor [options]\n"
		"       ksmctl governor [options] full|medium|low|quiet\n"
		"       ksmctl governor [options] --max-cpu PERCENT\n"
		"       ksmctl governor --follow [--interval SECS] full|medium|low|quiet\n"
		"       ksmctl governor --calibrate [--duration SECS]\n"
		"\n"
		"Give ksmd a CPU budget: full 95%, medium 50%, low 20% or quiet 1% of one\n"
		"CPU (UKSM's presets), or any PERCENT.  Without an argument, show the\n"
		"active preset (or \"custom\") and the knobs that realise it.  How a budget\n"
		"is realised depends on the kernel: UKSM's cpu_governor, the CPU advisor\n"
		"(advisor_mode cpu), the scan-time advisor (Linux 6.8+, budgets of 10% and\n"
		"more), or pages_to_scan and sleep_millisecs computed from ksmd's CPU time\n"
		"per page, which --calibrate measures on this machine.  With --follow,\n"
		"ksmctl stays and holds ksmd at the budget by measuring it, and lets it\n"
		"idle (0.5%) while it has nothing to merge.\n"
		"\n"
		"Options:\n"
		"      --max-cpu PERCENT  a budget of PERCENT (1 to 100) of one CPU\n"
		"      --calibrate        measure ksmd's CPU time per page while it runs on a\n"
		"                         workload, and keep it in /var/lib/ksmctl/calibration\n"
		"      --duration SECS    with --calibrate: measure this long (default 10)\n"
		"  -f, --follow           stay in the foreground: measure ksmd's CPU every\n"
		"                         interval and adjust pages_to_scan to the budget;\n"
		"                         put the knobs back on SIGTERM, SIGINT or SIGHUP\n"
		"  -i, --interval SECS    with --follow: measure this often (default 1)\n"
		"  -n, --dry-run          check and show the changes, write nothing\n"
		"  -q, --quiet            print nothing on success\n"
		"  -J, --json             show the state as JSON\n"
		"      --no-wait          fail at once if another ksmctl is changing settings\n"
		"  -h, --help             display this help\n",
	.shortopts = "nqJfi:h",
	.longopts = governor_opts,
	.run = governor_run,
};

struct gov {
	struct ksm_sample s;
	struct ksm_gov_caps caps;
	enum ksm_gov_kind kind;
	struct ksm_gov_calibration cal;
	bool calibrated;
	double cost_ns;
};

static int gov_load(struct ksm_ctx *ctx, struct gov *g)
{
	int status = ksm_ctx_sample(ctx, &g->s), err;

	if (status)
		return status;
	ksm_gov_probe(ctx->root, &g->s, &g->caps);
	g->kind = ksm_gov_detect(&g->caps);
	err = ksm_gov_calibration_load(ctx->root, &g->cal);
	g->calibrated = !err;
	if (err && err != -ENOENT)
		ksm_warn("/%s: %s: using the default cost per page",
			 KSM_GOV_CALIBRATION_PATH,
			 err == -EINVAL ? "damaged" : strerror(-err));
	g->cost_ns = g->calibrated ? g->cal.cost_ns : KSM_GOV_DEFAULT_COST_NS;
	return 0;
}

/* The CPU advisor is on this kernel, but the table cannot write it yet. */
static void note_cpu_advisor(const struct gov *g, FILE *out)
{
	if (g->caps.cpu_advisor && !g->caps.table_has_cpu_advisor)
		fprintf(out, "note: this kernel has the CPU advisor (advisor_mode cpu), but this ksmctl cannot write advisor_target_cpu yet: using %s\n",
			g->caps.advisor ? "the scan-time advisor" : "pages_to_scan");
}

/* ---- show ------------------------------------------------------------ */

/* The knobs each method works with, in the order they are shown. */
static const char *const kind_knobs[][8] = {
	[KSM_GOV_UKSM] = { "cpu_governor", "max_cpu_percentage", "cpu_ratios",
			   "eval_intervals", "sleep_millisecs", NULL },
	[KSM_GOV_CPU_ADVISOR] = { "advisor_mode", "advisor_target_cpu",
				  "advisor_max_pages_to_scan", "sleep_millisecs",
				  "pages_to_scan", NULL },
	[KSM_GOV_SCAN_TIME] = { "advisor_mode", "advisor_max_cpu",
				"advisor_target_scan_time",
				"advisor_min_pages_to_scan",
				"advisor_max_pages_to_scan", "sleep_millisecs",
				"pages_to_scan", NULL },
	[KSM_GOV_MANUAL] = { "advisor_mode", "pages_to_scan", "sleep_millisecs",
			     NULL },
};

/* The knob's value as text, and as JSON when json is not NULL. */
static bool knob_value(const struct gov *g, const char *name, char *buf,
		       size_t size, struct json_object **json)
{
	const struct ksm_knob *k = ksm_knob_find(name);

	if (!strcmp(name, "advisor_target_cpu") && g->caps.cpu_advisor) {
		snprintf(buf, size, "%llu %%", g->caps.target_cpu);
		if (json)
			*json = json_object_new_uint64(g->caps.target_cpu);
		return true;
	}
	if (!strcmp(name, "advisor_mode") && g->caps.cpu_mode_active) {
		snprintf(buf, size, "cpu");
		if (json)
			*json = json_object_new_string("cpu");
		return true;
	}
	if (!k || !ksm_has(&g->s, ksm_knob_id(k)))
		return false;
	show_value(k, &g->s.v[ksm_knob_id(k)], g->s.page_size, false, buf, size);
	if (json)
		*json = show_json_value(k, &g->s.v[ksm_knob_id(k)]);
	return true;
}

static void describe_state(const struct ksm_gov_state *st, char *buf,
			   size_t size)
{
	if (strcmp(st->preset, "custom"))
		snprintf(buf, size, "%s (%u%% of one CPU)", st->preset, st->budget);
	else if (st->estimated)
		snprintf(buf, size, "custom (about %.1f%% of one CPU at the cost per page below)",
			 st->estimate);
	else if (st->kind == KSM_GOV_UKSM)
		snprintf(buf, size, "custom (max_cpu_percentage: %u%% of one CPU)",
			 st->budget);
	else if (st->kind == KSM_GOV_CPU_ADVISOR)
		snprintf(buf, size, "custom (advisor_target_cpu: %u%% of one CPU)",
			 st->budget);
	else if (st->kind == KSM_GOV_SCAN_TIME)
		snprintf(buf, size, "custom (advisor_max_cpu: at most %u%% of one CPU)",
			 st->budget);
	else
		snprintf(buf, size, "custom");
}

static void cost_text(const struct gov *g, char *buf, size_t size)
{
	char rel[sizeof(g->cal.kernel) * 4];

	if (!g->calibrated) {
		snprintf(buf, size, "%.2f us (the default: not calibrated, see 'ksmctl governor --calibrate')",
			 g->cost_ns / 1000);
		return;
	}
	ksm_escape(g->cal.kernel[0] ? g->cal.kernel : "?", rel, sizeof(rel));
	snprintf(buf, size, "%.2f us (calibrated: %llu pages in %.1f s, by %s, on Linux %s)",
		 g->cost_ns / 1000, g->cal.pages, g->cal.seconds,
		 g->cal.method[0] ? g->cal.method : "?", rel);
}

/* A running `governor --follow`: what it holds, in place of the knobs'. */
static void follower_state(const struct gov_follow_state *fs,
			   struct ksm_gov_state *st, char *what, size_t size)
{
	st->preset = fs->preset[0] ? fs->preset : "custom";
	st->budget = fs->budget;
	st->estimated = false;
	st->kind = KSM_GOV_MANUAL;
	if (fs->preset[0])
		snprintf(what, size, "%s (%u%% of one CPU), held by 'ksmctl governor --follow' (pid %ld): %s",
			 fs->preset, fs->budget, (long)fs->pid, fs->activity);
	else
		snprintf(what, size, "custom (%u%% of one CPU), held by 'ksmctl governor --follow' (pid %ld): %s",
			 fs->budget, (long)fs->pid, fs->activity);
}

static struct json_object *follower_json(const struct gov_follow_state *fs)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "pid", json_object_new_int((int)fs->pid));
	json_object_object_add(o, "activity", show_json_text(fs->activity));
	json_object_object_add(o, "measured_percent",
			       fs->measured >= 0 ? show_json_double(fs->measured) : NULL);
	return o;
}

static int show(struct ksm_ctx *ctx, const struct gov *g, bool json)
{
	struct json_object *root = NULL, *knobs = NULL, *presets = NULL;
	struct gov_follow_state fs;
	struct ksm_gov_state st;
	char what[240], cost[1200];
	bool followed = !gov_follow_running(ctx, &fs);

	ksm_gov_recognise(g->kind, &g->caps, &g->s, g->cost_ns, &st);
	describe_state(&st, what, sizeof(what));
	if (followed)
		follower_state(&fs, &st, what, sizeof(what));
	cost_text(g, cost, sizeof(cost));
	if (json) {
		root = json_object_new_object();
		knobs = json_object_new_object();
		presets = json_object_new_object();
		json_object_object_add(root, "preset", show_json_text(st.preset));
		/* a budget the knobs state; an estimate goes apart */
		json_object_object_add(root, "budget_percent",
				       st.budget && !st.estimated ?
				       json_object_new_int((int)st.budget) : NULL);
		json_object_object_add(root, "budget_estimated",
				       st.estimated ? show_json_double(st.estimate) : NULL);
		json_object_object_add(root, "method",
				       json_object_new_string(followed ? "follow" :
							      ksm_gov_kind_name(st.kind)));
		json_object_object_add(root, "follow",
				       followed ? follower_json(&fs) : NULL);
		json_object_object_add(root, "kernel_method",
				       json_object_new_string(ksm_gov_kind_name(g->kind)));
	} else {
		printf("governor: %s\n", what);
		if (followed)
			printf("method: ksmd's CPU time measured every interval, pages_to_scan scaled to the budget; %.1f%% of a CPU in the last interval\n",
			       fs.measured);
		else
			printf("method: %s\n", ksm_gov_kind_text(st.kind));
		note_cpu_advisor(g, stdout);
		printf("knobs:\n");
	}
	for (int i = 0; kind_knobs[st.kind][i]; i++) {
		const char *name = kind_knobs[st.kind][i];
		struct json_object *jv = NULL;
		char value[96];

		if (!knob_value(g, name, value, sizeof(value), json ? &jv : NULL))
			continue;
		if (json)
			json_object_object_add(knobs, name, jv);
		else
			printf("  %-28s %s\n", name, value);
	}
	if (!json) {
		if (st.kind != KSM_GOV_UKSM)
			printf("cost per page: %s\n", cost);
		printf("presets: full 95%%, medium 50%%, low 20%%, quiet 1%% of one CPU\n");
		return EXIT_OK;
	}
	json_object_object_add(root, "knobs", knobs);
	json_object_object_add(root, "cost_ns_per_page", show_json_double(g->cost_ns));
	json_object_object_add(root, "calibrated", json_object_new_boolean(g->calibrated));
	for (int i = 0; i < KSM_GOV_PRESETS; i++)
		json_object_object_add(presets, ksm_gov_presets[i].name,
				       json_object_new_int((int)ksm_gov_presets[i].budget));
	json_object_object_add(root, "presets", presets);
	show_json_print(root);
	json_object_put(root);
	return EXIT_OK;
}

/* ---- set ------------------------------------------------------------- */

static int set_budget(struct ksm_ctx *ctx, const struct gov *g,
		      unsigned int budget, const char *preset,
		      const struct ksm_txn_opts *opts)
{
	struct ksm_gov_plan plan;
	struct ksm_txn t;

	if (ksm_gov_map(g->kind, budget, preset, g->cost_ns, &g->s, &plan)) {
		ksm_err("governor: --max-cpu %u: not possible on UKSM: %s",
			budget, plan.note);
		return EXIT_FAIL;
	}
	ksm_txn_init(&t, 0);
	t.dirs = ksm_sample_dirs(&g->s);
	for (int i = 0; i < plan.count; i++) {
		struct ksm_refusal why = { "" };

		if (ksm_txn_add(&t, plan.set[i].knob, plan.set[i].value, &why)) {
			ksm_err("%s: %s", plan.set[i].knob, why.why);
			return EXIT_FAIL;
		}
	}
	if (!opts->quiet) {
		if (preset)
			printf("governor: %s (%u%% of one CPU) with %s\n", preset,
			       budget, ksm_gov_kind_text(plan.kind));
		else
			printf("governor: %u%% of one CPU with %s\n", budget,
			       ksm_gov_kind_text(plan.kind));
		note_cpu_advisor(g, stdout);
		if (plan.note[0])
			printf("note: %s\n", plan.note);
		if (plan.kind == KSM_GOV_SCAN_TIME || plan.kind == KSM_GOV_MANUAL) {
			char what[32];

			if (preset)
				snprintf(what, sizeof(what), "%s", preset);
			else
				snprintf(what, sizeof(what), "--max-cpu %u", budget);
			printf("note: nothing measures ksmd after this: 'ksmctl governor --follow %s' holds the budget by measuring it, and lets ksmd idle when nothing is left to merge\n",
			       what);
		}
		if (ksm_has(&g->s, KSM_RUN) && ksm_u(&g->s, KSM_RUN) != 1)
			printf("note: ksmd is stopped (run %llu): the budget applies once it runs ('ksmctl start')\n",
			       ksm_u(&g->s, KSM_RUN));
	}
	return ksm_change_cli(ctx, &t, opts);
}

/* ---- calibrate ------------------------------------------------------- */

static int read_point(struct ksm_ctx *ctx, pid_t pid,
		      struct ksm_gov_reading *r, bool *precise, char *why,
		      size_t size)
{
	struct ksm_sample s;
	struct timespec now;
	int err;

	memset(r, 0, sizeof(*r));
	err = ksm_task_cpu_ns(ctx->root, pid, &r->cpu_ns, precise);
	if (!err)
		err = ksm_sample_read(ctx->root, &s);
	if (err) {
		snprintf(why, size, "%s", strerror(-err));
		return err;
	}
	/* a counter that cannot be read is unknown, not 0 */
	err = KSM_NEED(&s, NULL, why, size, KSM_PAGES_SCANNED, KSM_FULL_SCANS,
		       KSM_PAGES_SHARED, KSM_PAGES_SHARING, KSM_PAGES_UNSHARED,
		       KSM_PAGES_VOLATILE);
	if (err)
		return err;
	clock_gettime(CLOCK_MONOTONIC, &now);
	r->seconds = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
	r->has_pages_scanned = ksm_has(&s, KSM_PAGES_SCANNED) && !s.v[KSM_PAGES_SCANNED].shift;
	r->pages_scanned = ksm_u(&s, KSM_PAGES_SCANNED);
	r->full_scans = ksm_u(&s, KSM_FULL_SCANS);
	r->rmap_items = ksm_sat_add(ksm_sat_add(ksm_u(&s, KSM_PAGES_SHARED),
						ksm_u(&s, KSM_PAGES_SHARING)),
				    ksm_sat_add(ksm_u(&s, KSM_PAGES_UNSHARED),
						ksm_u(&s, KSM_PAGES_VOLATILE)));
	return 0;
}

/* Sleep ms, or less when a signal asks us to stop; true if stopped. */
static bool wait_ms(long ms)
{
	struct timespec left = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&left, &left) < 0 && errno == EINTR)
		if (ksm_stop)
			return true;
	return ksm_stop != 0;
}

static int calibrate(struct ksm_ctx *ctx, const struct gov *g, long ms,
		     bool quiet)
{
	struct ksm_gov_reading a, b;
	struct ksm_gov_calibration c;
	char why[256], text[1024];
	bool precise = true, precise_b = true;
	pid_t pid;
	int err;

	if (g->kind == KSM_GOV_UKSM) {
		ksm_err("governor: --calibrate: not needed on UKSM: its cpu_governor paces uksmd itself (ema_per_page_time: %llu ns per page)",
			ksm_u(&g->s, KSM_UKSM_EMA_PER_PAGE_TIME));
		return EXIT_UNAVAILABLE;
	}
	if (ksm_bad(&g->s, KSM_RUN)) {
		ksm_sample_why(&g->s, KSM_RUN, why, sizeof(why));
		ksm_err("governor: --calibrate: run: %s", why);
		return EXIT_FAIL;
	}
	if (ksm_u(&g->s, KSM_RUN) != 1) {
		ksm_err("governor: --calibrate: ksmd is stopped (run %llu): it can only be measured while it runs on a workload ('ksmctl start', and memory registered with madvise, prctl or MemoryKSM=yes)",
			ksm_u(&g->s, KSM_RUN));
		return EXIT_FAIL;
	}
	pid = ksm_find_kthread(ctx->root, "ksmd");
	if (pid < 0) {
		ksm_err("governor: --calibrate: cannot find the ksmd thread in /proc: %s",
			strerror(-pid));
		return EXIT_FAIL;
	}
	if (!quiet) {
		printf("measuring ksmd (pid %ld) for %.1f s...\n", (long)pid,
		       (double)ms / 1000);
		fflush(stdout);
	}
	ksm_stop = 0;
	ksm_catch_signals();
	err = read_point(ctx, pid, &a, &precise, why, sizeof(why));
	if (!err && wait_ms(ms)) {
		ksm_err("governor: --calibrate: interrupted: nothing was saved");
		return EXIT_FAIL;
	}
	if (!err)
		err = read_point(ctx, pid, &b, &precise_b, why, sizeof(why));
	if (err) {
		ksm_err("governor: --calibrate: cannot read ksmd's figures: %s",
			why);
		return EXIT_FAIL;
	}
	if (ksm_gov_cost(&a, &b, &c, why, sizeof(why))) {
		ksm_err("governor: --calibrate: %s; nothing was saved", why);
		return EXIT_FAIL;
	}
	snprintf(c.kernel, sizeof(c.kernel), "%s", g->s.release);
	ksm_gov_calibration_format(&c, text, sizeof(text));
	err = ksm_file_replace(ksm_root_fd(ctx->root), KSM_GOV_CALIBRATION_PATH,
			       text, 0644, true);
	if (err) {
		ksm_err("/%s: cannot write: %s%s", KSM_GOV_CALIBRATION_PATH,
			strerror(-err), ksm_write_hint(err));
		return EXIT_FAIL;
	}
	if (!precise || !precise_b)
		ksm_warn("governor: ksmd's CPU time is counted in clock ticks on this kernel (no schedstat): measured %.0f ms, use a longer --duration for precision",
			 (double)c.cpu_ns / 1e6);
	if (!quiet)
		printf("ksmd used %.1f ms of CPU for %llu pages (%s) in %.1f s: %.2f us per page\nsaved in /%s\n",
		       (double)c.cpu_ns / 1e6, c.pages, c.method, c.seconds,
		       c.cost_ns / 1000, KSM_GOV_CALIBRATION_PATH);
	return EXIT_OK;
}

/* ---- options ---------------------------------------------------------- */

struct gov_args {
	struct ksm_txn_opts txn;
	bool json, calibrate, follow;
	long duration_ms, interval_ms;
	unsigned long long max_cpu;	/* 0: none given */
};

static int parse_args(int argc, char **argv, struct gov_args *a)
{
	int c;

	while ((c = ksm_getopt(&cmd_governor, argc, argv)) != -1) {
		switch (c) {
		case 'm':
			if (kstrtoull10(optarg, &a->max_cpu) || strchr(optarg, '\n') ||
			    a->max_cpu < 1 || a->max_cpu > 100) {
				char shown[64];

				ksm_escape(optarg, shown, sizeof(shown));
				return ksm_usage_error(&cmd_governor, "--max-cpu: invalid value '%s': expected a decimal integer from 1 to 100 (percent of one CPU)",
						       shown);
			}
			break;
		case 'C':
			a->calibrate = true;
			break;
		case 'D':
			if (ksm_parse_seconds(&cmd_governor, "--duration", optarg,
					      &a->duration_ms))
				return EXIT_USAGE;
			break;
		case 'f':
			a->follow = true;
			break;
		case 'i':
			if (ksm_parse_seconds(&cmd_governor, "--interval", optarg,
					      &a->interval_ms))
				return EXIT_USAGE;
			break;
		case 'n':
			a->txn.dry_run = true;
			break;
		case 'q':
			a->txn.quiet = true;
			break;
		case 'J':
			a->json = true;
			break;
		case 'W':
			a->txn.no_wait = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	return 0;
}

/*
 * UKSM and the CPU advisor hold the budget in the kernel: set it, and
 * there is nothing to follow.  Elsewhere ksmctl stays and measures.
 */
static int follow(struct ksm_ctx *ctx, const struct gov *g, unsigned int budget,
		  const char *preset, const struct gov_args *a)
{
	struct gov_follow_args fa = {
		.budget = budget,
		.preset = preset,
		.cost_ns = g->cost_ns,
		.interval_ms = a->interval_ms ? a->interval_ms : 1000,
		.quiet = a->txn.quiet,
	};

	if (g->kind == KSM_GOV_UKSM || g->kind == KSM_GOV_CPU_ADVISOR) {
		if (!a->txn.quiet)
			printf("governor: --follow: nothing to follow: this kernel holds the budget itself (%s)\n",
			       ksm_gov_kind_name(g->kind));
		return set_budget(ctx, g, budget, preset, &a->txn);
	}
	return gov_follow(ctx, &fa);
}

static int governor_run(struct ksm_ctx *ctx, int argc, char **argv)
{
	struct gov_args a = { .duration_ms = 0 };
	const struct ksm_gov_preset *p = NULL;
	struct gov g;
	bool setting;
	int status;

	status = parse_args(argc, argv, &a);
	if (status)
		return status;
	if (optind + 1 < argc)
		return ksm_usage_error(&cmd_governor, "unexpected argument '%s'",
				       ksm_shown(argv[optind + 1]));
	if (optind < argc) {
		char shown[128];

		p = ksm_gov_preset_find(argv[optind]);
		ksm_escape(argv[optind], shown, sizeof(shown));
		if (!p)
			return ksm_usage_error(&cmd_governor, "unknown preset '%s': expected full, medium, low or quiet (or --max-cpu PERCENT)",
					       shown);
		if (a.max_cpu)
			return ksm_usage_error(&cmd_governor, "a preset and --max-cpu exclude each other");
	}
	setting = p || a.max_cpu;
	if (a.calibrate && (setting || a.json || a.txn.dry_run))
		return ksm_usage_error(&cmd_governor, "--calibrate goes alone (with --duration, --quiet)");
	if (a.duration_ms && !a.calibrate)
		return ksm_usage_error(&cmd_governor, "--duration goes with --calibrate");
	if (a.follow && (!setting || a.calibrate || a.txn.dry_run || a.json))
		return ksm_usage_error(&cmd_governor, "--follow needs a preset or --max-cpu, and goes without --calibrate, --dry-run and --json");
	if (a.interval_ms && !a.follow)
		return ksm_usage_error(&cmd_governor, "--interval goes with --follow");
	if (a.json && setting)
		return ksm_usage_error(&cmd_governor, "--json shows the state: it does not go with a preset or --max-cpu");
	if ((a.txn.dry_run || a.txn.no_wait) && !setting)
		return ksm_usage_error(&cmd_governor, "--dry-run and --no-wait go with a preset or --max-cpu");
	status = gov_load(ctx, &g);
	if (status)
		return status;
	if (a.calibrate)
		return calibrate(ctx, &g, a.duration_ms ? a.duration_ms :
				 DEFAULT_DURATION_MS, a.txn.quiet);
	if (a.follow)
		return follow(ctx, &g, p ? p->budget : (unsigned int)a.max_cpu,
			      p ? p->name : NULL, &a);
	if (p)
		return set_budget(ctx, &g, p->budget, p->name, &a.txn);
	if (a.max_cpu)
		return set_budget(ctx, &g, (unsigned int)a.max_cpu, NULL, &a.txn);
	return show(ctx, &g, a.json);
}
