// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl export: the KSM figures in the Prometheus text exposition
 * format, for node_exporter's textfile collector or any scraper.
 *
 * The format is a line format simple enough to write by hand: "# HELP",
 * "# TYPE", then "name{label="value"} number" lines, every sample of a
 * metric together.  Global figures come from the sample and its metrics
 * (the same as `ksmctl status`), per-group figures from the process scan
 * (the same as `ksmctl ps --group-by`).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../ksmctl.h"
#include "../report.h"
#include "../lib/escape.h"
#include "../lib/metrics.h"
#include "../lib/procs.h"
#include "../lib/units.h"

extern const struct ksm_command cmd_export;

/* How a knob becomes a metric: its name, type and unit conversion. */
static const struct knob_metric {
	const char *name;
	const char *type;
	double scale;		/* 0: exported elsewhere, or not at all */
} knob_metrics[KSM_KNOB_COUNT] = {
	[KSM_RUN] = { "ksm_run", "gauge", 1 },
	[KSM_PAGES_TO_SCAN] = { "ksm_pages_to_scan", "gauge", 1 },
	[KSM_SLEEP_MILLISECS] = { "ksm_sleep_seconds", "gauge", 0.001 },
	[KSM_MERGE_ACROSS_NODES] = { "ksm_merge_across_nodes", "gauge", 1 },
	[KSM_MAX_PAGE_SHARING] = { "ksm_max_page_sharing", "gauge", 1 },
	[KSM_USE_ZERO_PAGES] = { "ksm_use_zero_pages", "gauge", 1 },
	[KSM_STABLE_NODE_CHAINS_PRUNE_MILLISECS] = {
		"ksm_stable_node_chains_prune_seconds", "gauge", 0.001 },
	[KSM_SMART_SCAN] = { "ksm_smart_scan", "gauge", 1 },
	[KSM_ADVISOR_MODE] = { "ksm_advisor_mode", "gauge", 0 },
	[KSM_ADVISOR_MAX_CPU] = { "ksm_advisor_max_cpu_percent", "gauge", 1 },
	[KSM_ADVISOR_MIN_PAGES_TO_SCAN] = {
		"ksm_advisor_min_pages_to_scan", "gauge", 1 },
	[KSM_ADVISOR_MAX_PAGES_TO_SCAN] = {
		"ksm_advisor_max_pages_to_scan", "gauge", 1 },
	[KSM_ADVISOR_TARGET_SCAN_TIME] = {
		"ksm_advisor_target_scan_time_seconds", "gauge", 1 },
	[KSM_MAX_KERNEL_PAGES] = { "ksm_max_kernel_pages", "gauge", 1 },
	[KSM_PAGES_SHARED] = { "ksm_pages_shared", "gauge", 1 },
	[KSM_PAGES_SHARING] = { "ksm_pages_sharing", "gauge", 1 },
	[KSM_PAGES_UNSHARED] = { "ksm_pages_unshared", "gauge", 1 },
	[KSM_PAGES_VOLATILE] = { "ksm_pages_volatile", "gauge", 1 },
	[KSM_FULL_SCANS] = { "ksm_full_scans_total", "counter", 1 },
	[KSM_STABLE_NODE_CHAINS] = { "ksm_stable_node_chains", "gauge", 1 },
	[KSM_STABLE_NODE_DUPS] = { "ksm_stable_node_dups", "gauge", 1 },
	/* from the metrics, computed where the kernel lacks it */
	[KSM_GENERAL_PROFIT] = { "ksm_general_profit_bytes", "gauge", 0 },
	[KSM_ZERO_PAGES] = { "ksm_zero_pages", "gauge", 1 },
	[KSM_PAGES_SCANNED] = { "ksm_pages_scanned_total", "counter", 1 },
	[KSM_PAGES_SKIPPED] = { "ksm_pages_skipped_total", "counter", 1 },
};

/* HELP text: backslash and newline are the only escapes. */
static void put_help_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s ", name);
	put_help_text(f, help);
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

/*
 * A label value: the text as ksmctl prints it everywhere (ksm_escape():
 * valid UTF-8, no control character, and two names never the same), then
 * as the format wants it (backslash and double quote escaped; no newline
 * is left).  Both steps are injective, so two groups are two series.
 * -ENOMEM when the text cannot be escaped.
 */
static int put_label_value(FILE *f, const char *s)
{
	char *esc = ksm_escape_dup(s);

	if (!esc)
		return -ENOMEM;
	for (const char *e = esc; *e; e++) {
		if (*e == '\\' || *e == '"')
			fputc('\\', f);
		fputc(*e, f);
	}
	free(esc);
	return 0;
}

static void put_double(FILE *f, double v)
{
	if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	else
		fprintf(f, "%.10g", v);
	fputc('\n', f);
}

static void export_knobs(FILE *f, const struct ksm_sample *s)
{
	for (int id = 0; id < KSM_KNOB_COUNT; id++) {
		const struct knob_metric *km = &knob_metrics[id];
		const struct ksm_knob *k = &ksm_knobs[id];
		const struct ksm_value *v = &s->v[id];

		if (!km->name || v->err)
			continue;
		if (id == KSM_ADVISOR_MODE) {
			family(f, km->name, km->type, k->help);
			for (int m = 0; k->modes[m]; m++) {
				fprintf(f, "%s{mode=\"", km->name);
				(void)put_label_value(f, k->modes[m]);	/* ours */
				fprintf(f, "\"} %d\n", (unsigned long long)m == v->u);
			}
			continue;
		}
		if (km->scale == 0)
			continue;
		family(f, km->name, km->type, k->help);
		if (km->scale != 1) {
			fprintf(f, "%s ", km->name);
			put_double(f, (double)v->u * km->scale);
		} else if (k->kind == KNOB_SCOUNTER || k->kind == KNOB_INT)
			fprintf(f, "%s %lld\n", km->name, v->s);
		else
			fprintf(f, "%s %llu\n", km->name, v->u);
	}
}

static void gauge_ull(FILE *f, const char *name, const char *help,
		      unsigned long long v)
{
	family(f, name, "gauge", help);
	fprintf(f, "%s %llu\n", name, v);
}

static void gauge_double(FILE *f, const char *name, const char *help, double v)
{
	if (isnan(v))
		return;		/* undefined (a ratio over zero): no sample */
	family(f, name, "gauge", help);
	fprintf(f, "%s ", name);
	put_double(f, v);
}

/*
 * The derived figures.  One that a counter it needs could not give has
 * no sample (as an undefined ratio): a missing series, never a made-up 0.
 */
static void export_derived(FILE *f, const struct ksm_sample *s,
			   const struct ksm_metrics *m)
{
	gauge_ull(f, "ksm_page_size_bytes", "Page size of this system.",
		  (unsigned long long)s->page_size);
	if (!(m->unknown & KSM_M_PROFIT)) {
		family(f, "ksm_general_profit_bytes", "gauge",
		       m->profit_from_kernel ?
		       "Memory KSM saves less the metadata it spends (general_profit); negative: a loss." :
		       "Memory KSM saves less the metadata it spends, computed as the kernel does (this kernel has no general_profit).");
		fprintf(f, "ksm_general_profit_bytes %lld\n", m->general_profit);
	}
	if (!(m->unknown & KSM_M_SAVED))
		gauge_ull(f, "ksm_saved_bytes",
			  "Memory saved: (pages_sharing + ksm_zero_pages) x page size.",
			  m->saved_bytes);
	if (!(m->unknown & KSM_M_RMAP)) {
		gauge_ull(f, "ksm_rmap_items",
			  "Pages KSM tracks: pages_shared + pages_sharing + pages_unshared + pages_volatile.",
			  m->rmap_items);
		gauge_ull(f, "ksm_rmap_bytes", "Metadata KSM spends on its rmap items.",
			  m->rmap_bytes);
	}
	if (!(m->unknown & KSM_M_UNMERGE))
		gauge_ull(f, "ksm_unmerge_need_bytes",
			  "Memory an unmerge of everything (run=2) would need.",
			  m->unmerge_bytes);
	gauge_double(f, "ksm_sharing_ratio",
		     "pages_sharing / pages_shared: mappings served per KSM page, less one.",
		     m->sharing_ratio);
	gauge_double(f, "ksm_waste_ratio",
		     "pages_unshared / pages_sharing: high means scanning that finds nothing.",
		     m->waste_ratio);
	gauge_double(f, "ksm_volatile_ratio",
		     "pages_volatile / rmap items: pages changing too fast to merge.",
		     m->volatile_share);
	gauge_double(f, "ksm_effectiveness_ratio",
		     "pages_sharing / rmap items.",
		     m->effectiveness_pct / 100.0);
	gauge_double(f, "ksm_scan_rate_pages_per_second",
		     "Pages ksmd may scan per second: pages_to_scan x 1000 / sleep_millisecs.",
		     m->scan_rate_pages);
}

/* One family of per-group samples: name suffix, help, value of a group. */
struct group_metric {
	const char *suffix;
	const char *help;
	int field;		/* needed ksm_stat field, -1 none */
};

static const struct group_metric group_metrics[] = {
	{ "processes", "Processes using KSM, per %s; the empty label value holds those without one.",
	  -1 },
	{ "merging_bytes", "Memory mapped from KSM pages, per %s.", KSM_PF_MERGING },
	{ "zero_pages_bytes", "Memory merged with the zero page, per %s.",
	  KSM_PF_ZERO },
	{ "rmap_items", "Pages KSM tracks, merged or not, per %s.", KSM_PF_RMAP },
	{ "profit_bytes", "Memory KSM saves less the metadata it spends, per %s; each process counts the KSM pages it maps, so the sum exceeds ksm_general_profit_bytes.",
	  KSM_PF_PROFIT },
	{ "cow_pages", "KSM pages copied on write, per %s.", KSM_PF_COW },
};

/* The group key in words, for the HELP lines. */
static const char *kind_words(enum ksm_group_by by)
{
	switch (by) {
	case KSM_BY_UNIT:
		return "systemd unit";
	case KSM_BY_VM:
		return "VM";
	case KSM_BY_USER:
		return "user";
	case KSM_BY_COMM:
		return "command name";
	default:
		return "cgroup";
	}
}

static bool group_value(const struct group_metric *gm,
			const struct ksm_psum *g, long page_size, char *buf,
			size_t size)
{
	const struct ksm_procstat *st = &g->st;

	if (gm->field == KSM_PF_PROFIT) {
		if (!st->profit_known)
			return false;
		snprintf(buf, size, "%lld", st->profit);
		return true;
	}
	if (gm->field >= 0 && !(st->have & KSM_PF_BIT(gm->field)))
		return false;
	switch (gm->field) {
	case KSM_PF_MERGING:
		snprintf(buf, size, "%llu", ksm_pages_bytes(st->merging_pages,
							     page_size));
		break;
	case KSM_PF_ZERO:
		snprintf(buf, size, "%llu", ksm_pages_bytes(st->zero_pages,
							     page_size));
		break;
	case KSM_PF_RMAP:
		snprintf(buf, size, "%llu", st->rmap_items);
		break;
	case KSM_PF_COW:
		snprintf(buf, size, "%llu", st->cow_pages);
		break;
	default:
		snprintf(buf, size, "%zu", g->procs);
	}
	return true;
}

static int export_groups(FILE *f, const struct ksm_procs *p,
			 enum ksm_group_by by, const struct ksm_psum *groups,
			 size_t n, long page_size)
{
	const char *kind = ksm_group_by_name(by);

	for (size_t m = 0; m < sizeof(group_metrics) / sizeof(*group_metrics); m++) {
		const struct group_metric *gm = &group_metrics[m];
		char name[64], help[256], value[32];
		bool any = false;

		snprintf(name, sizeof(name), "ksm_%s_%s", kind, gm->suffix);
		snprintf(help, sizeof(help), gm->help, kind_words(by));
		for (size_t i = 0; i < n; i++) {
			if (!group_value(gm, &groups[i], page_size, value, sizeof(value)))
				continue;
			if (!any)
				family(f, name, "gauge", help);
			any = true;
			fprintf(f, "%s{%s=\"", name, kind);
			if (put_label_value(f, ksm_procs_str(p, groups[i].key)))
				return -ENOMEM;
			fprintf(f, "\"} %s\n", value);
		}
	}
	return 0;
}

#define MAX_KEYS 5

struct export_opts {
	enum ksm_group_by keys[MAX_KEYS];
	int nkeys;
	const char *output;
};

static int export_processes(FILE *f, struct ksm_ctx *ctx,
			    const struct export_opts *o, long page_size)
{
	struct ksm_scan_opts so = { .page_size = page_size };
	struct ksm_procs p;
	int err;

	for (int i = 0; i < o->nkeys; i++)
		so.need |= ksm_group_by_need(o->keys[i]);
	err = ksm_procs_scan(ctx->root, &so, &p);
	if (err) {
		ksm_err("proc: cannot read: %s", strerror(-err));
		return EXIT_FAIL;
	}
	/* A kernel without per-process figures: the global ones only. */
	if (p.no_files) {
		ksm_procs_free(&p);
		return EXIT_OK;
	}
	gauge_ull(f, "ksm_processes", "Processes using KSM.", p.n);
	gauge_ull(f, "ksm_processes_unreadable",
		  "Processes whose KSM figures could not be read (permission, or errors).",
		  p.denied + p.failed);
	for (int i = 0; i < o->nkeys && !err; i++) {
		struct ksm_psum *groups;
		size_t n;

		err = ksm_procs_group(&p, o->keys[i], &groups, &n);
		if (!err) {
			err = export_groups(f, &p, o->keys[i], groups, n, page_size);
			free(groups);
		}
	}
	ksm_procs_free(&p);
	if (err) {
		ksm_err("cannot group processes: %s", strerror(-err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int export_all(FILE *f, struct ksm_ctx *ctx, const struct export_opts *o,
		      const struct ksm_sample *s)
{
	struct ksm_metrics m;

	ksm_metrics_compute(s, &m);
	export_knobs(f, s);
	export_derived(f, s, &m);
	return export_processes(f, ctx, o, s->page_size);
}

/*
 * Write to a temporary file beside the target, fsync, rename over it:
 * the textfile collector must never read half a file.  The temporary
 * name does not end in .prom, so the collector ignores it meanwhile.
 */
static int export_to_file(struct ksm_ctx *ctx, const struct export_opts *o,
			  const struct ksm_sample *s)
{
	char *dcopy = strdup(o->output), *bcopy = strdup(o->output);
	char tmp[PATH_MAX] = "", shown[PATH_MAX];
	const char *what = "cannot write", *dir;
	int fd, dfd, status = EXIT_FAIL, err = 0;
	FILE *f = NULL;

	ksm_escape(o->output, shown, sizeof(shown));
	if (!dcopy || !bcopy) {
		err = ENOMEM;
		goto out;
	}
	dir = dirname(dcopy);
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, basename(bcopy)) >=
	    (int)sizeof(tmp)) {
		tmp[0] = '\0';
		err = ENAMETOOLONG;
		goto out;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		tmp[0] = '\0';
		err = errno;
		what = "cannot create a temporary file beside it";
		goto out;
	}
	/* mkstemp makes it 0600: the collector runs as another user */
	f = fdopen(fd, "w");
	if (!f || fchmod(fd, 0644)) {
		err = errno;
		if (!f)
			close(fd);
		goto out;
	}
	status = export_all(f, ctx, o, s);
	if (status)
		goto out;
	status = EXIT_FAIL;
	if (fflush(f) || ferror(f) || fsync(fileno(f))) {
		err = errno ? errno : EIO;
		goto out;
	}
	if (fclose(f)) {
		f = NULL;
		err = errno;
		goto out;
	}
	f = NULL;
	if (rename(tmp, o->output)) {
		err = errno;
		what = "cannot rename the temporary file over it";
		goto out;
	}
	tmp[0] = '\0';
	/* the rename itself must survive a crash too */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	status = EXIT_OK;
out:
	if (f)
		fclose(f);
	if (tmp[0])
		unlink(tmp);
	if (err)
		ksm_err("%s: %s: %s", shown, what, strerror(err));
	free(dcopy);
	free(bcopy);
	return status;
}

static int parse_keys(struct export_opts *o, const char *list)
{
	const char *p = list;
	char word[16], shown[128];

	o->nkeys = 0;
	do {
		size_t len = strcspn(p, ",");
		enum ksm_group_by by = KSM_BY_NONE;

		if (len < sizeof(word)) {
			memcpy(word, p, len);
			word[len] = '\0';
			by = ksm_group_by_parse(word);
		}
		if (by == KSM_BY_NONE) {
			ksm_escape(list, shown, sizeof(shown));
			return ksm_usage_error(&cmd_export, "--group-by: invalid list '%s': expected cgroup, unit, vm, user or comm, comma-separated",
					       shown);
		}
		for (int i = 0; i < o->nkeys; i++)
			if (o->keys[i] == by)
				by = KSM_BY_NONE;
		if (by != KSM_BY_NONE && o->nkeys < MAX_KEYS)
			o->keys[o->nkeys++] = by;
		p += len;
	} while (*p++ == ',');
	return 0;
}

static const struct option export_longopts[] = {
	{ "group-by", required_argument, NULL, 'g' },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int export_run(struct ksm_ctx *ctx, int argc, char **argv);

const struct ksm_command cmd_export = {
	.name = "export",
	.summary = "KSM figures in the Prometheus text format",
	.usage =
		"Usage: ksmctl export [options]\n"
		"\n"
		"Print the KSM settings, counters, derived figures and per-group\n"
		"process figures in the Prometheus text exposition format, for\n"
		"node_exporter's textfile collector (metric names start with ksm_).\n"
		"\n"
		"Options:\n"
		"  -g, --group-by KEY[,KEY...]  per-group figures by cgroup, unit, vm,\n"
		"                               user or comm (default: unit)\n"
		"  -o, --output FILE            write FILE atomically (temporary file,\n"
		"                               fsync, rename) instead of standard output\n"
		"  -h, --help                   display this help\n",
	.shortopts = "g:o:h",
	.longopts = export_longopts,
	.run = export_run,
};

static int export_run(struct ksm_ctx *ctx, int argc, char **argv)
{
	struct export_opts o = { .keys = { KSM_BY_UNIT }, .nkeys = 1 };
	struct ksm_sample s;
	int c, status;

	while ((c = ksm_getopt(&cmd_export, argc, argv)) != -1) {
		switch (c) {
		case 'g':
			if (parse_keys(&o, optarg))
				return EXIT_USAGE;
			break;
		case 'o':
			o.output = optarg;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		char shown[128];

		ksm_escape(argv[optind], shown, sizeof(shown));
		return ksm_usage_error(&cmd_export, "unexpected argument '%s'", shown);
	}
	status = ksm_ctx_sample(ctx, &s);
	if (status)
		return status;
	status = o.output ? export_to_file(ctx, &o, &s) :
			    export_all(stdout, ctx, &o, &s);
	/* written without what could not be read, which is said: a failure */
	return status ? status : ksm_report_bad_values(&s);
}
