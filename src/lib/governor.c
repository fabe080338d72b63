// SPDX-License-Identifier: GPL-2.0-or-later
#include "governor.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envfile.h"
#include "pacer.h"
#include "parse.h"

const struct ksm_gov_preset ksm_gov_presets[KSM_GOV_PRESETS] = {
	{ "full", 95 }, { "medium", 50 }, { "low", 20 }, { "quiet", 1 },
};

const struct ksm_gov_preset *ksm_gov_preset_find(const char *name)
{
	for (int i = 0; i < KSM_GOV_PRESETS; i++)
		if (!strcmp(ksm_gov_presets[i].name, name))
			return &ksm_gov_presets[i];
	return NULL;
}

const struct ksm_gov_preset *ksm_gov_preset_by_budget(unsigned int budget)
{
	for (int i = 0; i < KSM_GOV_PRESETS; i++)
		if (ksm_gov_presets[i].budget == budget)
			return &ksm_gov_presets[i];
	return NULL;
}

enum ksm_gov_kind ksm_gov_detect(const struct ksm_gov_caps *caps)
{
	if (caps->uksm)
		return KSM_GOV_UKSM;
	if (caps->cpu_advisor && caps->table_has_cpu_advisor)
		return KSM_GOV_CPU_ADVISOR;
	if (caps->advisor)
		return KSM_GOV_SCAN_TIME;
	return KSM_GOV_MANUAL;
}

const char *ksm_gov_kind_name(enum ksm_gov_kind kind)
{
	static const char *const names[] = {
		[KSM_GOV_UKSM] = "uksm",
		[KSM_GOV_CPU_ADVISOR] = "cpu-advisor",
		[KSM_GOV_SCAN_TIME] = "scan-time",
		[KSM_GOV_MANUAL] = "manual",
	};
	return names[kind];
}

const char *ksm_gov_kind_text(enum ksm_gov_kind kind)
{
	static const char *const texts[] = {
		[KSM_GOV_UKSM] = "UKSM's own cpu_governor presets and max_cpu_percentage",
		[KSM_GOV_CPU_ADVISOR] = "the CPU advisor (advisor_mode cpu): the kernel keeps ksmd at advisor_target_cpu",
		[KSM_GOV_SCAN_TIME] = "the scan-time advisor (Linux 6.8+): advisor_max_cpu caps ksmd, advisor_target_scan_time sets its pace",
		[KSM_GOV_MANUAL] = "pages_to_scan and sleep_millisecs, computed from ksmd's CPU time per page",
	};
	return texts[kind];
}

void ksm_gov_manual(unsigned int budget, double cost_ns,
		    unsigned long long *pages, unsigned long long *sleep_ms)
{
	ksm_pace_knobs(budget / 100.0, cost_ns, pages, sleep_ms);
}

double ksm_gov_manual_budget(unsigned long long pages,
			     unsigned long long sleep_ms, double cost_ns)
{
	double scan = (double)pages * cost_ns, rest = (double)sleep_ms * 1e6;

	if (scan + rest <= 0)
		return 100.0;
	return 100.0 * scan / (scan + rest);
}

unsigned long long ksm_gov_target_scan_time(unsigned int budget)
{
	long long t = budget ? llround(50.0 / budget) : 50;

	return t < 1 ? 1 : (unsigned long long)t;
}

__attribute__((format(printf, 3, 4)))
static void add(struct ksm_gov_plan *plan, const char *knob,
		const char *fmt, ...)
{
	struct ksm_gov_setting *set;
	va_list ap;

	if (plan->count == KSM_GOV_MAX_SETTINGS)
		return;
	set = &plan->set[plan->count++];
	snprintf(set->knob, sizeof(set->knob), "%s", knob);
	va_start(ap, fmt);
	vsnprintf(set->value, sizeof(set->value), fmt, ap);
	va_end(ap);
}

/*
 * The advisors scale pages_to_scan up to advisor_max_pages_to_scan: make
 * room for twice the batch the budget needs at this cost, so the CPU
 * figure binds first, never below the kernel's default, never below the
 * minimum (the kernel and ksmctl want min <= max).  s may be NULL
 * when the plan sets the minimum itself.
 */
static unsigned long long advisor_max_pages(unsigned long long pages,
					    const struct ksm_sample *s)
{
	unsigned long long max = 2 * pages;

	if (max < KSM_GOV_ADVISOR_MAX_PAGES)
		max = KSM_GOV_ADVISOR_MAX_PAGES;
	if (s && ksm_has(s, KSM_ADVISOR_MIN_PAGES_TO_SCAN) &&
	    ksm_u(s, KSM_ADVISOR_MIN_PAGES_TO_SCAN) > max)
		max = ksm_u(s, KSM_ADVISOR_MIN_PAGES_TO_SCAN);
	return max;
}

int ksm_gov_map(enum ksm_gov_kind kind, unsigned int budget,
		const char *preset, double cost_ns,
		const struct ksm_sample *s, struct ksm_gov_plan *plan)
{
	unsigned long long pages, sleep;

	memset(plan, 0, sizeof(*plan));
	plan->kind = kind;
	plan->budget = budget;
	plan->preset = preset;
	ksm_gov_manual(budget, cost_ns, &pages, &sleep);
	switch (kind) {
	case KSM_GOV_UKSM:
		if (preset) {
			add(plan, "cpu_governor", "%s", preset);
			return 0;
		}
		if (budget < 10 || budget > 99) {
			snprintf(plan->note, sizeof(plan->note),
				 "UKSM's max_cpu_percentage takes 10 to 99 (it turns smaller values into 10 and 100 into 99); the quiet preset gives 1%%");
			return -EDOM;
		}
		add(plan, "max_cpu_percentage", "%u", budget);
		return 0;
	case KSM_GOV_CPU_ADVISOR:
		add(plan, "advisor_mode", "cpu");
		add(plan, "advisor_target_cpu", "%u", budget);
		add(plan, "advisor_max_pages_to_scan", "%llu",
		    advisor_max_pages(pages, s));
		add(plan, "sleep_millisecs", "%llu", sleep);
		return 0;
	case KSM_GOV_SCAN_TIME:
		if (budget >= KSM_GOV_SCAN_TIME_MIN_CPU) {
			add(plan, "advisor_mode", "scan-time");
			add(plan, "advisor_max_cpu", "%u", budget);
			add(plan, "advisor_target_scan_time", "%llu",
			    ksm_gov_target_scan_time(budget));
			/*
			 * The advisor adapts once per full scan, from the
			 * pages_to_scan it started with: advisor_min_pages_to_scan
			 * when advisor_mode switches.  Start it at the budget's
			 * batch, not at the kernel's 500, or a big workload takes
			 * minutes to get there.
			 */
			add(plan, "advisor_min_pages_to_scan", "%llu", pages);
			add(plan, "advisor_max_pages_to_scan", "%llu",
			    advisor_max_pages(pages, NULL));
			add(plan, "sleep_millisecs", "%llu", sleep);
			return 0;
		}
		plan->kind = KSM_GOV_MANUAL;
		snprintf(plan->note, sizeof(plan->note),
			 "the scan-time advisor never takes less than %d%% of a CPU while it scans, so ksmctl sets pages_to_scan and sleep_millisecs itself",
			 KSM_GOV_SCAN_TIME_MIN_CPU);
		break;
	case KSM_GOV_MANUAL:
		break;
	}
	if (ksm_has(s, KSM_ADVISOR_MODE))
		add(plan, "advisor_mode", "none");
	add(plan, "pages_to_scan", "%llu", pages);
	add(plan, "sleep_millisecs", "%llu", sleep);
	return 0;
}

/* The current value of a knob as text; false when it cannot be known. */
static bool current_text(const char *name, const struct ksm_gov_caps *caps,
			 const struct ksm_sample *s, char *buf, size_t size)
{
	const struct ksm_knob *k = ksm_knob_find(name);

	/* the CPU advisor's files may not be in the table yet */
	if (!strcmp(name, "advisor_target_cpu") && caps) {
		snprintf(buf, size, "%llu", caps->target_cpu);
		return caps->cpu_advisor;
	}
	if (!strcmp(name, "advisor_mode") && caps && caps->cpu_mode_active) {
		snprintf(buf, size, "cpu");
		return true;
	}
	if (!k || !ksm_has(s, ksm_knob_id(k)))
		return false;
	ksm_knob_format(k, &s->v[ksm_knob_id(k)], buf, size);
	return true;
}

bool ksm_gov_defines_budget(enum ksm_gov_kind kind, const char *knob)
{
	if (kind == KSM_GOV_MANUAL)
		return true;
	return strcmp(knob, "sleep_millisecs") &&
	       strcmp(knob, "advisor_min_pages_to_scan") &&
	       strcmp(knob, "advisor_max_pages_to_scan");
}

static bool plan_matches(const struct ksm_gov_plan *plan,
			 const struct ksm_gov_caps *caps,
			 const struct ksm_sample *s)
{
	for (int i = 0; i < plan->count; i++) {
		char now[64];

		if (!ksm_gov_defines_budget(plan->kind, plan->set[i].knob))
			continue;
		if (!current_text(plan->set[i].knob, caps, s, now, sizeof(now)) ||
		    strcmp(now, plan->set[i].value))
			return false;
	}
	/* a preset loaded, then max_cpu_percentage changed: custom */
	if (plan->kind == KSM_GOV_UKSM &&
	    ksm_u(s, KSM_UKSM_MAX_CPU_PERCENTAGE) != plan->budget)
		return false;
	return plan->count > 0;
}

/* What a custom setting amounts to, where the knobs say it. */
static void custom_budget(enum ksm_gov_kind kind,
			  const struct ksm_gov_caps *caps,
			  const struct ksm_sample *s, double cost_ns,
			  struct ksm_gov_state *out)
{
	unsigned long long mode = ksm_u(s, KSM_ADVISOR_MODE);

	if (kind == KSM_GOV_UKSM) {
		out->budget = (unsigned int)ksm_u(s, KSM_UKSM_MAX_CPU_PERCENTAGE);
		return;
	}
	if (caps && caps->cpu_mode_active) {
		out->kind = KSM_GOV_CPU_ADVISOR;
		out->budget = (unsigned int)caps->target_cpu;
		return;
	}
	if (ksm_has(s, KSM_ADVISOR_MODE) && mode == 1) {
		out->kind = KSM_GOV_SCAN_TIME;
		out->budget = (unsigned int)ksm_u(s, KSM_ADVISOR_MAX_CPU);
		return;
	}
	out->kind = KSM_GOV_MANUAL;
	if (!ksm_has(s, KSM_PAGES_TO_SCAN) || !ksm_has(s, KSM_SLEEP_MILLISECS))
		return;
	out->estimated = true;
	out->estimate = ksm_gov_manual_budget(ksm_u(s, KSM_PAGES_TO_SCAN),
					      ksm_u(s, KSM_SLEEP_MILLISECS),
					      cost_ns);
	out->budget = (unsigned int)llround(out->estimate);
}

void ksm_gov_recognise(enum ksm_gov_kind kind, const struct ksm_gov_caps *caps,
		       const struct ksm_sample *s, double cost_ns,
		       struct ksm_gov_state *out)
{
	memset(out, 0, sizeof(*out));
	out->preset = "custom";
	out->kind = kind;
	for (int i = 0; i < KSM_GOV_PRESETS; i++) {
		const struct ksm_gov_preset *p = &ksm_gov_presets[i];
		struct ksm_gov_plan plan;

		if (ksm_gov_map(kind, p->budget, p->name, cost_ns, s, &plan))
			continue;
		if (plan_matches(&plan, caps, s)) {
			out->preset = p->name;
			out->kind = plan.kind;
			out->budget = p->budget;
			return;
		}
	}
	custom_budget(kind, caps, s, cost_ns, out);
}

/* ---- calibration ---------------------------------------------------- */

/* Fewer pages than this in the window: the figure would be noise. */
#define MIN_PAGES 10000ULL

int ksm_gov_cost(const struct ksm_gov_reading *a,
		 const struct ksm_gov_reading *b,
		 struct ksm_gov_calibration *c, char *why, size_t size)
{
	double secs = b->seconds - a->seconds;
	unsigned long long pages;

	memset(c, 0, sizeof(*c));
	if (!(secs > 0) || b->cpu_ns < a->cpu_ns) {
		snprintf(why, size, "the readings are out of order");
		return -EAGAIN;
	}
	if (a->has_pages_scanned && b->has_pages_scanned) {
		if (b->pages_scanned < a->pages_scanned) {
			snprintf(why, size, "pages_scanned went backwards");
			return -EAGAIN;
		}
		pages = b->pages_scanned - a->pages_scanned;
		snprintf(c->method, sizeof(c->method), "pages_scanned");
	} else {
		unsigned long long scans = b->full_scans >= a->full_scans ?
					   b->full_scans - a->full_scans : 0;

		if (scans < 2) {
			snprintf(why, size, "ksmd finished %llu full scans in %.1f s, 2 are needed on a kernel without pages_scanned: use a longer --duration",
				 scans, secs);
			return -EAGAIN;
		}
		/* each full scan visits every page that has an rmap item */
		pages = scans * ((a->rmap_items + b->rmap_items) / 2);
		snprintf(c->method, sizeof(c->method), "full_scans");
	}
	if (pages < MIN_PAGES || b->cpu_ns == a->cpu_ns) {
		snprintf(why, size, "ksmd scanned %llu pages in %.1f s, too few to measure: run a workload with mergeable memory (and run=1), or use a longer --duration",
			 pages, secs);
		return -EAGAIN;
	}
	c->pages = pages;
	c->cpu_ns = b->cpu_ns - a->cpu_ns;
	c->seconds = secs;
	c->cost_ns = (double)c->cpu_ns / (double)pages;
	return 0;
}

void ksm_gov_calibration_format(const struct ksm_gov_calibration *c,
				char *buf, size_t size)
{
	snprintf(buf, size,
		 "# ksmd's CPU time per scanned page on this machine, measured by\n"
		 "# 'ksmctl governor --calibrate'.  The governor computes\n"
		 "# pages_to_scan and sleep_millisecs from it.\n"
		 "COST_NS_PER_PAGE=%.1f\n"
		 "PAGES=%llu\n"
		 "CPU_NS=%llu\n"
		 "SECONDS=%.1f\n"
		 "METHOD=%s\n"
		 "KERNEL=%s\n",
		 c->cost_ns, c->pages, c->cpu_ns, c->seconds, c->method,
		 c->kernel);
}

static int get_ull(const char *text, const char *key, unsigned long long *v)
{
	char value[64];
	int bad;

	if (ksm_envfile_get(text, key, value, sizeof(value), &bad))
		return -ENOENT;
	return ksm_parse_ull(value, v);
}

int ksm_gov_calibration_parse(const char *text, struct ksm_gov_calibration *c)
{
	char value[80], *end;
	int bad = 0, err;

	memset(c, 0, sizeof(*c));
	err = ksm_envfile_get(text, "COST_NS_PER_PAGE", value, sizeof(value),
			      &bad);
	if (err)
		return err == -ENOENT ? -EINVAL : err;
	errno = 0;
	c->cost_ns = strtod(value, &end);
	if (errno || end == value || *end || !isfinite(c->cost_ns) ||
	    !(c->cost_ns > 0) || c->cost_ns > 1e9)
		return -EINVAL;
	get_ull(text, "PAGES", &c->pages);
	get_ull(text, "CPU_NS", &c->cpu_ns);
	if (!ksm_envfile_get(text, "SECONDS", value, sizeof(value), &bad))
		c->seconds = strtod(value, NULL);
	ksm_envfile_get(text, "METHOD", c->method, sizeof(c->method), &bad);
	ksm_envfile_get(text, "KERNEL", c->kernel, sizeof(c->kernel), &bad);
	return 0;
}

int ksm_gov_calibration_load(const struct ksm_root *root,
			     struct ksm_gov_calibration *c)
{
	char text[4096];
	int err = ksm_root_read(root, KSM_GOV_CALIBRATION_PATH, text,
				sizeof(text));

	if (err)
		return err;
	return ksm_gov_calibration_parse(text, c);
}

void ksm_gov_probe(const struct ksm_root *root, const struct ksm_sample *s,
		   struct ksm_gov_caps *caps)
{
	const struct ksm_knob *mode = &ksm_knobs[KSM_ADVISOR_MODE];
	char text[256], path[128];

	memset(caps, 0, sizeof(*caps));
	caps->uksm = ksm_sample_is_uksm(s);
	caps->advisor = ksm_has(s, KSM_ADVISOR_MODE) ||
			!ksm_root_exists(root, KSM_SYSFS_DIR "/advisor_mode");
	caps->table_has_cpu_advisor = ksm_knob_find("advisor_target_cpu") &&
				      !ksm_knob_kernel_verdict(mode, "cpu");
	snprintf(path, sizeof(path), "%s/advisor_mode", KSM_SYSFS_DIR);
	if (ksm_root_read(root, path, text, sizeof(text)))
		return;
	/* "[none] scan-time cpu": the patch's mode, and whether it is on */
	for (char *w = strtok(text, " \n"); w; w = strtok(NULL, " \n")) {
		if (!strcmp(w, "[cpu]"))
			caps->cpu_mode_active = true;
		if (!strcmp(w, "cpu") || !strcmp(w, "[cpu]"))
			caps->cpu_advisor = true;
	}
	if (ksm_root_read_ull(root, KSM_SYSFS_DIR "/advisor_target_cpu",
			      &caps->target_cpu))
		caps->cpu_advisor = caps->cpu_mode_active = false;
}
