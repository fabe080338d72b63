// SPDX-License-Identifier: GPL-2.0-or-later
/* ksmctl status: every knob and counter, what they mean, and findings. */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "../ksmctl.h"
#include "../report.h"
#include "../lib/escape.h"
#include "../lib/metrics.h"
#include "../lib/units.h"
#include "../show.h"

#define NAME_WIDTH 36

static const char *const group_titles[GROUP_COUNT] = {
	[GROUP_STATE] = "State",
	[GROUP_SCANNING] = "Scanning",
	[GROUP_ADVISOR] = "Advisor",
	[GROUP_COUNTERS] = "Counters",
};

static void print_group(const struct ksm_sample *s, enum ksm_knob_group g,
			bool bytes)
{
	bool title = false;

	for (int id = 0; id < KSM_KNOB_COUNT; id++) {
		const struct ksm_knob *k = &ksm_knobs[id];
		char value[96];

		if (k->group != g || (s->v[id].err && !ksm_bad(s, id)))
			continue;
		if (!title) {
			printf("%s:\n", group_titles[g]);
			title = true;
		}
		if (ksm_bad(s, id))
			snprintf(value, sizeof(value), "unreadable");
		else
			show_value(k, &s->v[id], s->page_size, bytes, value,
				   sizeof(value));
		printf("  %-*s %s\n", NAME_WIDTH, k->name, value);
	}
}

/* A size; a saturated one (units.h) as at least that much. */
static void size_text(unsigned long long v, bool bytes, char *buf, size_t n)
{
	if (bytes)
		snprintf(buf, n, "%s%llu", v == KSM_SAT ? ">=" : "", v);
	else
		ksm_format_size(v, buf, n);
}

/* A figure that a counter it needs could not give: said so, not 0. */
#define UNKNOWN "unknown (a counter it needs is unreadable)"

static void ratio_line(const char *name, double v, const char *what,
		       bool unknown)
{
	if (unknown)
		printf("  %-*s %s\n", NAME_WIDTH, name, UNKNOWN);
	else if (isnan(v))
		printf("  %-*s n/a (%s)\n", NAME_WIDTH, name, what);
	else
		printf("  %-*s %.2f (%s)\n", NAME_WIDTH, name, v, what);
}

static void print_derived(const struct ksm_sample *s,
			  const struct ksm_metrics *m, bool bytes)
{
	char a[96], b[32];

	printf("Derived:\n");
	size_text(m->saved_bytes, bytes, a, sizeof(a));
	if (m->unknown & KSM_M_SAVED)
		printf("  %-*s %s\n", NAME_WIDTH, "memory saved", UNKNOWN);
	else if (s->has_meminfo && s->mem.bytes[MEM_TOTAL] &&
		 !(m->saturated & KSM_M_SAVED))
		printf("  %-*s %s (%.1f%% of RAM)\n", NAME_WIDTH, "memory saved", a,
		       100.0 * (double)m->saved_bytes / (double)s->mem.bytes[MEM_TOTAL]);
	else
		printf("  %-*s %s\n", NAME_WIDTH, "memory saved", a);
	if (m->unknown & KSM_M_PROFIT)
		snprintf(a, sizeof(a), "%s", m->profit_from_kernel ?
			 "unknown (general_profit is unreadable)" :
			 m->saturated & KSM_M_PROFIT ?
			 "unknown (what is saved and what it costs both pass 2^64 bytes)" :
			 UNKNOWN);
	else if (bytes)
		snprintf(a, sizeof(a), "%s%lld",
			 m->general_profit == LLONG_MAX ? ">=" :
			 m->general_profit == LLONG_MIN ? "<=" : "", m->general_profit);
	else
		ksm_format_ssize(m->general_profit, a, sizeof(a));
	printf("  %-*s %s%s\n", NAME_WIDTH, "general profit", a,
	       m->profit_from_kernel || (m->unknown & KSM_M_PROFIT) ? "" :
	       " (computed: this kernel does not report it)");
	size_text(m->rmap_bytes, bytes, a, sizeof(a));
	if (m->unknown & KSM_M_RMAP)
		printf("  %-*s %s\n", NAME_WIDTH, "rmap items", UNKNOWN);
	else
		printf("  %-*s %s%llu (%s of metadata)\n", NAME_WIDTH, "rmap items",
		       m->rmap_items == KSM_SAT ? ">=" : "", m->rmap_items, a);
	ratio_line("sharing ratio", m->sharing_ratio, "pages_sharing/pages_shared",
		   m->unknown & KSM_M_SHARING_RATIO);
	ratio_line("waste ratio", m->waste_ratio, "pages_unshared/pages_sharing",
		   m->unknown & KSM_M_WASTE_RATIO);
	if (m->unknown & KSM_M_VOLATILE)
		printf("  %-*s %s\n", NAME_WIDTH, "volatile share", UNKNOWN);
	else if (isnan(m->volatile_share))
		printf("  %-*s n/a\n", NAME_WIDTH, "volatile share");
	else
		printf("  %-*s %.1f%%\n", NAME_WIDTH, "volatile share",
		       m->volatile_share * 100);
	if (m->unknown & KSM_M_EFFECTIVENESS)
		printf("  %-*s %s\n", NAME_WIDTH, "effectiveness", UNKNOWN);
	else if (isnan(m->effectiveness_pct))
		printf("  %-*s n/a\n", NAME_WIDTH, "effectiveness");
	else
		printf("  %-*s %.1f%% (pages_sharing of all tracked pages)\n",
		       NAME_WIDTH, "effectiveness", m->effectiveness_pct);
	if (m->unknown & KSM_M_SCAN_RATE)
		printf("  %-*s %s\n", NAME_WIDTH, "scan rate", UNKNOWN);
	else if (isinf(m->scan_rate_pages))
		printf("  %-*s unbounded (sleep_millisecs is 0)\n", NAME_WIDTH,
		       "scan rate");
	else if (!isnan(m->scan_rate_pages)) {
		size_text((unsigned long long)m->scan_rate_bytes, bytes, b, sizeof(b));
		printf("  %-*s %.0f pages/s (%s/s) at most\n", NAME_WIDTH,
		       "scan rate", m->scan_rate_pages, b);
	}
	size_text(m->unmerge_bytes, bytes, a, sizeof(a));
	if (ksm_sample_is_uksm(s)) {
		/* UKSM has no run=2: nothing to estimate */
	} else if (m->unknown & KSM_M_UNMERGE) {
		printf("  %-*s %s\n", NAME_WIDTH, "unmerge would need", UNKNOWN);
	} else if (s->has_meminfo && s->mem.present[MEM_AVAILABLE]) {
		size_text(s->mem.bytes[MEM_AVAILABLE], bytes, b, sizeof(b));
		printf("  %-*s %s (MemAvailable %s)\n", NAME_WIDTH,
		       "unmerge would need", a, b);
	} else {
		printf("  %-*s %s\n", NAME_WIDTH, "unmerge would need", a);
	}
}

static void print_text(const struct ksm_sample *s, const struct ksm_metrics *m,
		       bool bytes)
{
	struct ksm_finding f[KSM_MAX_FINDINGS];
	char page[16];
	int n;

	ksm_format_size((unsigned long long)s->page_size, page, sizeof(page));
	if (s->release[0]) {
		char rel[sizeof(s->release) * 4];

		ksm_escape(s->release, rel, sizeof(rel));
		printf("%s on Linux %s, page size %s\n\n",
		       ksm_sample_is_uksm(s) ? "UKSM" : "KSM", rel, page);
	} else {
		printf("%s, page size %s\n\n",
		       ksm_sample_is_uksm(s) ? "UKSM" : "KSM", page);
	}
	for (int g = 0; g < GROUP_COUNT; g++)
		print_group(s, (enum ksm_knob_group)g, bytes);
	print_derived(s, m, bytes);
	n = ksm_findings(s, m, f, KSM_MAX_FINDINGS);
	if (n)
		printf("Findings:\n");
	for (int i = 0; i < n; i++)
		printf("  %-8s %s\n", ksm_severity_name(f[i].severity), f[i].text);
	for (int i = 0; i < s->unknown_count; i++) {
		char name[256];

		ksm_escape(s->unknown[i], name, sizeof(name));
		printf("%s  unknown file %s (not in ksmctl's table)\n",
		       i ? "" : "Other:\n", name);
	}
}

static struct json_object *json_groups(struct json_object *root,
				       const struct ksm_sample *s)
{
	struct json_object *groups[GROUP_COUNT];

	for (int g = 0; g < GROUP_COUNT; g++) {
		groups[g] = json_object_new_object();
		json_object_object_add(root, ksm_group_name((enum ksm_knob_group)g),
				       groups[g]);
	}
	for (int id = 0; id < KSM_KNOB_COUNT; id++) {
		const struct ksm_knob *k = &ksm_knobs[id];

		/* removed knobs appear only where the kernel still has them */
		if (k->until && s->v[id].err)
			continue;
		/* UKSM's knobs on KSM kernels, and KSM's on UKSM kernels */
		if (ksm_knob_dir_on(k, ksm_sample_dirs(s)) < 0)
			continue;
		json_object_object_add(groups[k->group], k->name,
				       show_json_value(k, &s->v[id]));
	}
	return root;
}

/* A figure; null when a counter it needs could not be read, never 0. */
static void json_add_u64(struct json_object *o, const char *key,
			 unsigned long long v, bool unknown)
{
	json_object_object_add(o, key, unknown ? NULL : json_object_new_uint64(v));
}

static struct json_object *json_derived(const struct ksm_sample *s,
					const struct ksm_metrics *m)
{
	struct json_object *d = json_object_new_object();

	json_add_u64(d, "saved_bytes", m->saved_bytes, m->unknown & KSM_M_SAVED);
	json_object_object_add(d, "saved_percent_of_ram",
			       !(m->unknown & KSM_M_SAVED) &&
			       !(m->saturated & KSM_M_SAVED) &&
			       s->has_meminfo && s->mem.bytes[MEM_TOTAL] ?
			       show_json_double(100.0 * (double)m->saved_bytes /
						(double)s->mem.bytes[MEM_TOTAL]) : NULL);
	json_object_object_add(d, "general_profit_bytes",
			       m->unknown & KSM_M_PROFIT ? NULL :
			       json_object_new_int64(m->general_profit));
	json_object_object_add(d, "general_profit_source",
			       json_object_new_string(m->profit_from_kernel ?
						      "kernel" : "computed"));
	json_add_u64(d, "rmap_items", m->rmap_items, m->unknown & KSM_M_RMAP);
	json_add_u64(d, "rmap_bytes", m->rmap_bytes, m->unknown & KSM_M_RMAP);
	json_object_object_add(d, "sharing_ratio", show_json_double(m->sharing_ratio));
	json_object_object_add(d, "waste_ratio", show_json_double(m->waste_ratio));
	json_object_object_add(d, "volatile_share", show_json_double(m->volatile_share));
	json_object_object_add(d, "effectiveness_percent",
			       show_json_double(m->effectiveness_pct));
	json_object_object_add(d, "scan_rate_pages_per_second",
			       show_json_double(m->scan_rate_pages));
	json_object_object_add(d, "scan_rate_bytes_per_second",
			       show_json_double(m->scan_rate_bytes));
	json_add_u64(d, "unmerge_need_bytes", m->unmerge_bytes,
		     m->unknown & KSM_M_UNMERGE);
	json_object_object_add(d, "mem_available_bytes",
			       s->has_meminfo && s->mem.present[MEM_AVAILABLE] ?
			       json_object_new_uint64(s->mem.bytes[MEM_AVAILABLE]) : NULL);
	return d;
}

static void print_json(const struct ksm_sample *s, const struct ksm_metrics *m)
{
	struct json_object *root = json_object_new_object();
	struct json_object *kernel = json_object_new_object();
	struct json_object *findings = json_object_new_array();
	struct json_object *unknown = json_object_new_array();
	struct ksm_finding f[KSM_MAX_FINDINGS];
	int n = ksm_findings(s, m, f, KSM_MAX_FINDINGS);

	json_object_object_add(root, "schema", json_object_new_int(1));
	json_object_object_add(kernel, "release", s->release[0] ?
			       show_json_text(s->release) : NULL);
	json_object_object_add(kernel, "page_size",
			       json_object_new_int64(s->page_size));
	json_object_object_add(root, "kernel", kernel);
	json_groups(root, s);
	json_object_object_add(root, "derived", json_derived(s, m));
	for (int i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "severity",
				       json_object_new_string(ksm_severity_name(f[i].severity)));
		json_object_object_add(o, "id", json_object_new_string(f[i].id));
		json_object_object_add(o, "message", json_object_new_string(f[i].text));
		json_object_array_add(findings, o);
	}
	json_object_object_add(root, "findings", findings);
	for (int i = 0; i < s->unknown_count; i++)
		json_object_array_add(unknown, show_json_text(s->unknown[i]));
	json_object_object_add(root, "unknown_files", unknown);
	show_json_print(root);
	json_object_put(root);
}

static const struct option status_opts[] = {
	{ "json", no_argument, NULL, 'J' },
	{ "bytes", no_argument, NULL, 'b' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int status_run(struct ksm_ctx *ctx, int argc, char **argv);

const struct ksm_command cmd_status = {
	.name = "status",
	.summary = "show every knob and counter, what they mean, and findings",
	.usage =
		"Usage: ksmctl status [options]\n"
		"\n"
		"Show every KSM knob and counter of this kernel, grouped, with the\n"
		"figures they imply and findings in plain words.\n"
		"\n"
		"Options:\n"
		"  -J, --json    one JSON object with typed values (see ksmctl(8))\n"
		"  -b, --bytes   print sizes in bytes, not in IEC units\n"
		"  -h, --help    display this help\n",
	.shortopts = "Jbh",
	.longopts = status_opts,
	.run = status_run,
};

static int status_run(struct ksm_ctx *ctx, int argc, char **argv)
{
	struct ksm_sample s;
	struct ksm_metrics m;
	bool json = false, bytes = false;
	int c, status;

	while ((c = ksm_getopt(&cmd_status, argc, argv)) != -1) {
		switch (c) {
		case 'J':
			json = true;
			break;
		case 'b':
			bytes = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return ksm_usage_error(&cmd_status, "unexpected argument '%s'",
				       ksm_shown(argv[optind]));
	status = ksm_ctx_sample(ctx, &s);
	if (status)
		return status;
	ksm_metrics_compute(&s, &m);
	if (json)
		print_json(&s, &m);
	else
		print_text(&s, &m, bytes);
	return ksm_report_bad_values(&s);
}
