// SPDX-License-Identifier: GPL-2.0-or-later
#include "knobs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "escape.h"
#include "parse.h"

/* "cpu" comes with this project's kernel patches (kernel-patch/). */
static const char *const advisor_modes[] = { "none", "scan-time", "cpu", NULL };
/* The values set takes: run 2 is unmerge-all's, which checks memory first. */
static const char *const run_values[] = { "0", "1", NULL };
static const char *const bool_values[] = { "0", "1", NULL };
static const char *const uksm_governors[] = { "full", "medium", "low", "quiet",
					      NULL };

#define RW_UINT(lo, hi) .kind = KNOB_UINT, .kernel_min = (lo), .kernel_max = (hi)
#define RW_ULONG(lo, hi) .kind = KNOB_ULONG, .kernel_min = (lo), .kernel_max = (hi)
#define RW_BOOL .kind = KNOB_BOOL, .kernel_max = 1, .value_help = bool_values
#define RO_COUNT .kind = KNOB_COUNTER, .flags = KNOB_RO, \
	.group = GROUP_COUNTERS
#define RO_PAGES RO_COUNT, .unit = UNIT_PAGES
/* Files /sys/kernel/mm/ksm and /sys/kernel/mm/uksm both have. */
#define BOTH .dirs = KNOB_IN_KSM | KNOB_IN_UKSM
#define UKSM_ONLY .dirs = KNOB_IN_UKSM

const struct ksm_knob ksm_knobs[KSM_KNOB_COUNT] = {
	[KSM_RUN] = {
		"run", RW_UINT(0, 2), .group = GROUP_STATE,
		.value_help = run_values, .since = KSM_VERSION(2, 6, 32),
		.help = "0 stops ksmd, 1 runs it, 2 stops it and unmerges every page",
		BOTH, .uksm_max = 1,
		.uksm_why = "UKSM has no unmerge mode",
		.uksm_help = "0 stops uksmd, 1 runs it (UKSM has no unmerge mode)",
	},
	[KSM_PAGES_TO_SCAN] = {
		"pages_to_scan", RW_UINT(0, UINT_MAX), .group = GROUP_SCANNING,
		.unit = UNIT_PAGES, .flags = KNOB_ADVISOR_OWNED,
		.since = KSM_VERSION(2, 6, 32),
		.help = "pages ksmd scans before it sleeps (set by the advisor when one is on)",
	},
	[KSM_SLEEP_MILLISECS] = {
		"sleep_millisecs", RW_UINT(0, UINT_MAX), .group = GROUP_SCANNING,
		.unit = UNIT_MSEC, .since = KSM_VERSION(2, 6, 32),
		.help = "how long ksmd sleeps between batches",
		.flags = KNOB_UKSM_JIFFIES, BOTH, .uksm_max = 1000,
		.uksm_why = "UKSM sleeps at most one second",
		.uksm_help = "how long uksmd sleeps between batches (at most 1000, kept in jiffies)",
	},
	[KSM_MERGE_ACROSS_NODES] = {
		"merge_across_nodes", RW_ULONG(0, 1), .group = GROUP_STATE,
		.flags = KNOB_NEEDS_UNMERGE | KNOB_NUMA_ONLY | KNOB_PARSE_ERRNO,
		.value_help = bool_values, .since = KSM_VERSION(3, 9, 0),
		.help = "1 merges pages from different NUMA nodes, 0 keeps merging within a node",
	},
	[KSM_MAX_PAGE_SHARING] = {
		"max_page_sharing", .kind = KNOB_INT, .kernel_min = 2,
		.kernel_max = INT_MAX,
		.group = GROUP_STATE,
		.flags = KNOB_NEEDS_UNMERGE | KNOB_PARSE_ERRNO,
		.since = KSM_VERSION(4, 13, 0),
		.help = "most mappings one KSM page may have before a duplicate starts a chain",
	},
	[KSM_USE_ZERO_PAGES] = {
		"use_zero_pages", RW_BOOL, .group = GROUP_STATE,
		.since = KSM_VERSION(4, 11, 0),
		.help = "merge empty pages with the kernel's zero page",
	},
	[KSM_STABLE_NODE_CHAINS_PRUNE_MILLISECS] = {
		"stable_node_chains_prune_millisecs", RW_UINT(0, UINT_MAX),
		.group = GROUP_STATE, .unit = UNIT_MSEC,
		.since = KSM_VERSION(4, 13, 0),
		.help = "how often ksmd prunes stale entries of stable node chains",
	},
	[KSM_SMART_SCAN] = {
		"smart_scan", RW_BOOL, .group = GROUP_SCANNING,
		.since = KSM_VERSION(6, 7, 0),
		.help = "skip pages that did not merge in earlier scans",
	},
	[KSM_ADVISOR_MODE] = {
		"advisor_mode", .kind = KNOB_MODE, .modes = advisor_modes,
		.value_help = advisor_modes, .kernel_max = 2,
		.group = GROUP_ADVISOR, .since = KSM_VERSION(6, 8, 0),
		.help = "none, or scan-time: the kernel sets pages_to_scan to meet a scan time",
	},
	[KSM_ADVISOR_MAX_CPU] = {
		"advisor_max_cpu", RW_ULONG(0, ULONG_MAX), .sane_min = 1,
		.sane_max = 100, .group = GROUP_ADVISOR, .unit = UNIT_PERCENT,
		.sane_why = "it is a percentage of one CPU: the kernel keeps only the low 32 bits, and 0 starves ksmd",
		.since = KSM_VERSION(6, 8, 0),
		.help = "most CPU the scan-time advisor lets ksmd use, in percent of one CPU",
	},
	[KSM_ADVISOR_MIN_PAGES_TO_SCAN] = {
		"advisor_min_pages_to_scan", RW_ULONG(0, ULONG_MAX),
		.group = GROUP_ADVISOR, .unit = UNIT_PAGES,
		.since = KSM_VERSION(6, 8, 0),
		.help = "pages_to_scan the advisor starts from",
	},
	[KSM_ADVISOR_MAX_PAGES_TO_SCAN] = {
		"advisor_max_pages_to_scan", RW_ULONG(0, ULONG_MAX),
		.sane_min = 1, .group = GROUP_ADVISOR, .unit = UNIT_PAGES,
		.sane_why = "0 would stall the advisor: ksmd would scan nothing",
		.since = KSM_VERSION(6, 8, 0),
		.help = "most pages_to_scan the advisor may set",
	},
	[KSM_ADVISOR_TARGET_SCAN_TIME] = {
		"advisor_target_scan_time", RW_ULONG(1, ULONG_MAX),
		.group = GROUP_ADVISOR, .unit = UNIT_SEC,
		.since = KSM_VERSION(6, 8, 0),
		.help = "seconds the advisor aims for one full scan to take",
	},
	[KSM_ADVISOR_TARGET_CPU] = {
		"advisor_target_cpu", RW_UINT(1, 100),
		.group = GROUP_ADVISOR, .unit = UNIT_PERCENT, .flags = KNOB_PATCH,
		.since = KSM_VERSION(6, 12, 0),
		.help = "CPU share the cpu advisor keeps ksmd at, in percent of one CPU (ksmctl kernel patches)",
	},
	[KSM_MAX_KERNEL_PAGES] = {
		"max_kernel_pages", RW_ULONG(0, ULONG_MAX),
		.group = GROUP_STATE, .unit = UNIT_PAGES,
		.since = KSM_VERSION(2, 6, 32), .until = KSM_VERSION(2, 6, 33),
		.help = "most KSM pages (2.6.32 only: KSM pages became swappable)",
	},
	[KSM_PAGES_SHARED] = {
		"pages_shared", RO_PAGES, BOTH, .since = KSM_VERSION(2, 6, 32),
		.help = "KSM pages in use: the single copies that are shared",
	},
	[KSM_PAGES_SHARING] = {
		"pages_sharing", RO_PAGES, BOTH, .since = KSM_VERSION(2, 6, 32),
		.help = "mappings that share a KSM page: roughly the pages saved",
	},
	[KSM_PAGES_UNSHARED] = {
		"pages_unshared", RO_PAGES, BOTH, .since = KSM_VERSION(2, 6, 32),
		.help = "pages unique but repeatedly checked for merging",
	},
	[KSM_PAGES_VOLATILE] = {
		"pages_volatile", RO_PAGES, .since = KSM_VERSION(2, 6, 32),
		.help = "pages changing too fast to be merged",
	},
	[KSM_FULL_SCANS] = {
		"full_scans", RO_COUNT, BOTH,
		.since = KSM_VERSION(2, 6, 32),
		.help = "full scans of all mergeable areas completed (0 after run=2)",
	},
	[KSM_STABLE_NODE_CHAINS] = {
		"stable_node_chains", RO_COUNT,
		.since = KSM_VERSION(4, 13, 0),
		.help = "KSM pages that reached max_page_sharing and became chains",
	},
	[KSM_STABLE_NODE_DUPS] = {
		"stable_node_dups", RO_COUNT,
		.since = KSM_VERSION(4, 13, 0),
		.help = "duplicated KSM pages inside stable node chains",
	},
	[KSM_GENERAL_PROFIT] = {
		"general_profit", .kind = KNOB_SCOUNTER, .flags = KNOB_RO,
		.group = GROUP_COUNTERS, .unit = UNIT_BYTES,
		.since = KSM_VERSION(6, 4, 0),
		.help = "bytes saved minus the metadata KSM spends (can be negative)",
	},
	[KSM_ZERO_PAGES] = {
		"ksm_zero_pages", .kind = KNOB_SCOUNTER,
		.flags = KNOB_RO | KNOB_UKSM_MEMINFO,
		.group = GROUP_COUNTERS, .unit = UNIT_PAGES,
		.since = KSM_VERSION(6, 5, 0),
		.help = "empty pages merged with the zero page (use_zero_pages)",
		BOTH, .uksm_help = "empty pages merged with the zero page (KsmZeroPages in /proc/meminfo)",
	},
	[KSM_PAGES_SCANNED] = {
		"pages_scanned", .kind = KNOB_COUNTER,
		.flags = KNOB_RO | KNOB_SHOWN_POW2, .group = GROUP_COUNTERS,
		.since = KSM_VERSION(6, 6, 0),
		.help = "pages scanned since boot (not reset by run=2)",
		BOTH, .uksm_help = "pages scanned since boot (UKSM shows a huge count as N * 2^k)",
	},
	[KSM_PAGES_SKIPPED] = {
		"pages_skipped", RO_COUNT, .since = KSM_VERSION(6, 7, 0),
		.help = "pages smart_scan skipped",
	},
	/*
	 * UKSM (mm/uksm.c): a scan ladder of four levels, each with a CPU
	 * ratio and an evaluation interval, under one CPU budget; writing
	 * cpu_governor loads a preset of all three.
	 */
	[KSM_UKSM_CPU_GOVERNOR] = {
		"cpu_governor", .kind = KNOB_MODE, .modes = uksm_governors,
		.value_help = uksm_governors, .kernel_max = 3,
		.flags = KNOB_MODE_PREFIX | KNOB_WRITE_APPLIES,
		.group = GROUP_SCANNING, UKSM_ONLY,
		.help = "UKSM's CPU preset: full 95%, medium 50%, low 20%, quiet 1% (writing it resets max_cpu_percentage, cpu_ratios, eval_intervals)",
	},
	[KSM_UKSM_MAX_CPU_PERCENTAGE] = {
		"max_cpu_percentage", RW_ULONG(0, 100), .sane_min = 10,
		.sane_max = 99, .group = GROUP_SCANNING, .unit = UNIT_PERCENT,
		.sane_why = "UKSM turns values below 10 into 10 and 100 into 99",
		UKSM_ONLY,
		.help = "most CPU uksmd may use, in percent of one CPU",
	},
	[KSM_UKSM_CPU_RATIOS] = {
		"cpu_ratios", .kind = KNOB_RATIO_LIST, .list_len = 4,
		.kernel_min = 1, .kernel_max = KSM_RATIO_SCALE,
		.group = GROUP_SCANNING, UKSM_ONLY,
		.help = "CPU share of each of the 4 scan levels: N/10000 of one CPU, or MAX/N of max_cpu_percentage",
	},
	[KSM_UKSM_EVAL_INTERVALS] = {
		"eval_intervals", .kind = KNOB_ULONG_LIST, .list_len = 4,
		.kernel_max = ULONG_MAX, .sane_max = UINT_MAX,
		.sane_why = "UKSM keeps only the low 32 bits of each",
		.group = GROUP_SCANNING, .unit = UNIT_MSEC, UKSM_ONLY,
		.help = "how often each of the 4 scan levels is re-evaluated, in ms",
	},
	[KSM_UKSM_ABUNDANT_THRESHOLD] = {
		"abundant_threshold", RW_ULONG(0, 99), .group = GROUP_SCANNING,
		.unit = UNIT_PERCENT, UKSM_ONLY,
		.help = "duplicate share above which an area counts as rich in duplicates",
	},
	[KSM_UKSM_THRASH_THRESHOLD] = {
		"thrash_threshold", RW_ULONG(0, 99), .group = GROUP_SCANNING,
		.unit = UNIT_PERCENT, UKSM_ONLY,
		.help = "share of merged pages broken by writes above which an area counts as thrashing",
	},
	[KSM_UKSM_EMA_PER_PAGE_TIME] = {
		"ema_per_page_time", RO_COUNT, UKSM_ONLY,
		.help = "uksmd's running average time per scanned page, in ns",
	},
	[KSM_UKSM_HASH_STRENGTH] = {
		"hash_strength", RO_COUNT, UKSM_ONLY,
		.help = "32-bit words of each page UKSM's sampled hash reads (page size / 4 is all)",
	},
	[KSM_UKSM_SLEEP_TIMES] = {
		"sleep_times", RO_COUNT, UKSM_ONLY,
		.help = "times uksmd has slept between batches",
	},
};

const struct ksm_knob *ksm_knob_find(const char *name)
{
	for (size_t i = 0; i < KSM_KNOB_COUNT; i++)
		if (!strcmp(ksm_knobs[i].name, name))
			return &ksm_knobs[i];
	return NULL;
}

enum ksm_knob_id ksm_knob_id(const struct ksm_knob *knob)
{
	return (enum ksm_knob_id)(knob - ksm_knobs);
}

unsigned long long ksm_knob_min(const struct ksm_knob *knob)
{
	return knob->sane_min > knob->kernel_min ? knob->sane_min :
						   knob->kernel_min;
}

unsigned long long ksm_knob_max(const struct ksm_knob *knob)
{
	return knob->sane_max ? knob->sane_max : knob->kernel_max;
}

bool ksm_knob_writable(const struct ksm_knob *knob)
{
	return !(knob->flags & KNOB_RO);
}

unsigned int ksm_knob_dirs(const struct ksm_knob *knob)
{
	return knob->dirs ? knob->dirs : KNOB_IN_KSM;
}

const char *ksm_knob_dir_path(enum ksm_knob_dir dir)
{
	return dir == KNOB_DIR_UKSM ? KSM_UKSM_DIR : KSM_SYSFS_DIR;
}

int ksm_knob_dir_on(const struct ksm_knob *knob, unsigned int present)
{
	unsigned int both = ksm_knob_dirs(knob) & (present ? present : KNOB_IN_KSM);

	for (int d = 0; d < KNOB_DIR_COUNT; d++)
		if (both & KNOB_IN(d))
			return d;
	return -1;
}

const char *ksm_knob_help(const struct ksm_knob *knob, unsigned int present)
{
	if (knob->uksm_help && ksm_knob_dir_on(knob, present) == KNOB_DIR_UKSM)
		return knob->uksm_help;
	return knob->help;
}

const char *ksm_group_name(enum ksm_knob_group group)
{
	static const char *const names[GROUP_COUNT] = {
		[GROUP_STATE] = "state",
		[GROUP_SCANNING] = "scanning",
		[GROUP_ADVISOR] = "advisor",
		[GROUP_COUNTERS] = "counters",
	};
	return names[group];
}

const char *ksm_unit_name(enum ksm_knob_unit unit)
{
	static const char *const names[] = {
		[UNIT_NONE] = "", [UNIT_PAGES] = "pages", [UNIT_MSEC] = "ms",
		[UNIT_SEC] = "s", [UNIT_PERCENT] = "%", [UNIT_BYTES] = "bytes",
	};
	return names[unit];
}

/* One value of UKSM's cpu_ratios: N, or MAX/N kept as -(SCALE / N). */
static int ratio_parse(const struct ksm_knob *knob, const char *tok,
		       long long *out)
{
	unsigned long long n;
	bool max = strstr(tok, "MAX/") != NULL;

	/* as cpu_ratios_store(): "MAX/" anywhere, the number after the first '/' */
	if (max)
		tok = strchr(tok, '/') + 1;
	if (kstrtoull10(tok, &n) || n < knob->kernel_min || n > knob->kernel_max)
		return -EINVAL;
	*out = max ? -(long long)(KSM_RATIO_SCALE / n) : (long long)n;
	return 0;
}

/*
 * UKSM's list stores: the first list_len - 1 values each end at the next
 * space, the last one takes the rest of the text (so it may carry the
 * one trailing newline kstrtoul allows).
 */
static int list_parse(const struct ksm_knob *knob, const char *text,
		      struct ksm_value *v)
{
	const char *p = text;

	for (unsigned int i = 0; i < knob->list_len; i++) {
		char tok[64];
		size_t len = i + 1 < knob->list_len ? strcspn(p, " ") : strlen(p);
		unsigned long long ull;
		int err;

		if ((i + 1 < knob->list_len && !p[len]) || len >= sizeof(tok))
			return -EINVAL;
		memcpy(tok, p, len);
		tok[len] = '\0';
		if (knob->kind == KNOB_RATIO_LIST) {
			err = ratio_parse(knob, tok, &v->list[i]);
		} else {
			err = kstrtoull10(tok, &ull);
			if (!err && ull > ULONG_MAX)
				err = -ERANGE;
			v->list[i] = (long long)ull;
		}
		if (err)
			return -EINVAL;
		p += len + 1;
	}
	return 0;
}

/* The kernel's verdict on text, and the parsed value when it accepts. */
static int kernel_parse(const struct ksm_knob *knob, const char *text,
			struct ksm_value *v)
{
	/* zeroed: on a refusal they are copied before err is looked at */
	unsigned int ui = 0;
	unsigned long long ull;
	int i, err;
	bool b = false;

	memset(v, 0, sizeof(*v));
	switch (knob->kind) {
	case KNOB_UINT:
		err = kstrtouint10(text, &ui);
		ull = ui;
		break;
	case KNOB_ULONG:
		/* unsigned long is 64 bits on every kernel ksmctl targets */
		err = kstrtoull10(text, &ull);
		if (!err && ull > ULONG_MAX)
			err = -ERANGE;
		break;
	case KNOB_INT:
		err = kstrtoint10(text, &i);
		if (err)
			break;
		v->s = i;
		if (i < (long long)knob->kernel_min)
			return -EINVAL;
		v->u = (unsigned long long)i;
		return 0;
	case KNOB_BOOL:
		err = kstrtobool_k(text, &b);
		ull = b;
		break;
	case KNOB_MODE:
		if (knob->flags & KNOB_MODE_PREFIX) {
			/* cpu_governor_store(): strncmp, the last name first */
			for (i = 0; knob->modes[i]; i++)
				;
			while (--i >= 0) {
				if (!strncmp(text, knob->modes[i],
					     strlen(knob->modes[i]))) {
					v->u = (unsigned long long)i;
					return 0;
				}
			}
			return -EINVAL;
		}
		for (i = 0; knob->modes[i]; i++) {
			if (sysfs_streq_k(knob->modes[i], text)) {
				v->u = (unsigned long long)i;
				return 0;
			}
		}
		return -EINVAL;
	case KNOB_ULONG_LIST:
	case KNOB_RATIO_LIST:
		return list_parse(knob, text, v);
	default:
		return -EACCES;	/* read-only: the kernel refuses the open */
	}
	if (err) {
		/* Most stores turn every parse error into EINVAL. */
		return (knob->flags & KNOB_PARSE_ERRNO) ? err : -EINVAL;
	}
	if (ull < knob->kernel_min || ull > knob->kernel_max)
		return -EINVAL;
	v->u = ull;
	v->s = (long long)ull;
	return 0;
}

int ksm_knob_kernel_verdict(const struct ksm_knob *knob, const char *text)
{
	struct ksm_value v;

	return kernel_parse(knob, text, &v);
}

static const char *const bool_words[][2] = {
	{ "0", "1" }, { "n", "y" }, { "no", "yes" }, { "off", "on" },
	{ "false", "true" }, { "f", "t" },
};

/* ksmctl's words for booleans: the kernel reads "yellow" as yes. */
static bool plain_bool_word(const char *text)
{
	char word[8];
	size_t len = strcspn(text, "\n");

	if (len >= sizeof(word) || (text[len] && text[len + 1]))
		return false;
	memcpy(word, text, len);
	word[len] = '\0';
	for (size_t i = 0; i < sizeof(bool_words) / sizeof(bool_words[0]); i++)
		if (!strcasecmp(word, bool_words[i][0]) ||
		    !strcasecmp(word, bool_words[i][1]))
			return true;
	return false;
}

static bool is_list(const struct ksm_knob *knob)
{
	return knob->kind == KNOB_ULONG_LIST || knob->kind == KNOB_RATIO_LIST;
}

static void describe_accepted(const struct ksm_knob *knob, bool uksm,
			      char *buf, size_t size)
{
	switch (knob->kind) {
	case KNOB_RATIO_LIST:
		snprintf(buf, size, "%u values one space apart, each N or MAX/N with N from %llu to %llu",
			 knob->list_len, knob->kernel_min, knob->kernel_max);
		return;
	case KNOB_ULONG_LIST:
		snprintf(buf, size, "%u decimal integers one space apart, each from %llu to %llu",
			 knob->list_len, ksm_knob_min(knob), ksm_knob_max(knob));
		return;
	case KNOB_BOOL:
		snprintf(buf, size, "0/1, no/yes, off/on or false/true");
		return;
	case KNOB_MODE: {
		size_t off = (size_t)snprintf(buf, size, "one of:");

		for (int i = 0; knob->modes[i] && off < size; i++)
			off += (size_t)snprintf(buf + off, size - off, "%s %s",
						i ? "," : "", knob->modes[i]);
		return;
	}
	default:
		break;
	}
	if (knob == &ksm_knobs[KSM_RUN] && uksm)
		snprintf(buf, size, "0 (stop) or 1 (merge)");
	else if (knob == &ksm_knobs[KSM_RUN])
		snprintf(buf, size, "0 (stop), 1 (merge) or 2 (stop and unmerge all)");
	else if (uksm && knob->uksm_max)
		snprintf(buf, size, "a decimal integer from %llu to %llu",
			 ksm_knob_min(knob), knob->uksm_max);
	else if (ksm_knob_max(knob) == 1 && ksm_knob_min(knob) == 0)
		snprintf(buf, size, "0 or 1");
	else
		snprintf(buf, size, "a decimal integer from %llu to %llu",
			 ksm_knob_min(knob), ksm_knob_max(knob));
}

/* ksmctl's refusals of list values the kernel takes. */
static int check_list(const struct ksm_knob *knob, const char *text,
		      const struct ksm_value *value, const char *shown,
		      const char *accepted, struct ksm_refusal *why)
{
	const char *nl = strchr(text, '\n');

	/* "1\n 2 3 4" passes kstrtoul() piece by piece: not what anyone means */
	if (nl && nl[1]) {
		snprintf(why->why, sizeof(why->why),
			 "invalid value '%s': expected %s (a newline inside the list)",
			 shown, accepted);
		return -EDOM;
	}
	if (knob->kind != KNOB_ULONG_LIST)
		return 0;
	for (unsigned int i = 0; i < knob->list_len; i++) {
		if ((unsigned long long)value->list[i] > ksm_knob_max(knob)) {
			snprintf(why->why, sizeof(why->why),
				 "invalid value '%s': expected %s: the kernel accepts it, but %s",
				 shown, accepted, knob->sane_why);
			return -EDOM;
		}
	}
	return 0;
}

int ksm_knob_parse_input(const struct ksm_knob *knob, const char *text,
			 struct ksm_value *value, char *canonical,
			 size_t canonical_size, struct ksm_refusal *why)
{
	return ksm_knob_parse_input_on(knob, KNOB_IN_KSM, text, value,
				       canonical, canonical_size, why);
}

int ksm_knob_parse_input_on(const struct ksm_knob *knob, unsigned int present,
			    const char *text, struct ksm_value *value,
			    char *canonical, size_t canonical_size,
			    struct ksm_refusal *why)
{
	bool uksm = ksm_knob_dir_on(knob, present) == KNOB_DIR_UKSM;
	char accepted[128], shown[48];
	int err;

	describe_accepted(knob, uksm, accepted, sizeof(accepted));
	ksm_escape(text, shown, sizeof(shown));
	if (!ksm_knob_writable(knob)) {
		snprintf(why->why, sizeof(why->why),
			 "read-only: it is a counter the kernel maintains");
		return -EACCES;
	}
	err = kernel_parse(knob, text, value);
	if (err) {
		snprintf(why->why, sizeof(why->why),
			 "invalid value '%s': expected %s (the kernel says %s)",
			 shown, accepted, err == -ERANGE ?
			 "ERANGE: out of range" : "EINVAL");
		return err;
	}
	if (knob->kind == KNOB_BOOL && !plain_bool_word(text)) {
		snprintf(why->why, sizeof(why->why),
			 "invalid value '%s': expected %s (the kernel would read it as %s)",
			 shown, accepted, value->u ? "1" : "0");
		return -EDOM;
	}
	if (uksm && knob->uksm_max && value->u > knob->uksm_max) {
		snprintf(why->why, sizeof(why->why),
			 "invalid value '%s': expected %s: %s (the kernel says EINVAL)",
			 shown, accepted, knob->uksm_why);
		return -EINVAL;
	}
	if (knob->kind == KNOB_MODE && (knob->flags & KNOB_MODE_PREFIX) &&
	    !sysfs_streq_k(knob->modes[value->u], text)) {
		snprintf(why->why, sizeof(why->why),
			 "invalid value '%s': expected %s (the kernel would read it as %s)",
			 shown, accepted, knob->modes[value->u]);
		return -EDOM;
	}
	if (is_list(knob)) {
		err = check_list(knob, text, value, shown, accepted, why);
		if (err)
			return err;
	} else if (value->u < ksm_knob_min(knob) || value->u > ksm_knob_max(knob)) {
		snprintf(why->why, sizeof(why->why),
			 "invalid value '%s': expected %s: the kernel accepts it, but %s",
			 shown, accepted, knob->sane_why ? knob->sane_why :
			 "ksmctl refuses it");
		return -EDOM;
	}
	ksm_knob_format(knob, value, canonical, canonical_size);
	return 0;
}

/* "20 40 MAX/4 MAX/1 \n", as UKSM's list files read. */
static int list_parse_shown(const struct ksm_knob *knob, const char *text,
			    struct ksm_value *v)
{
	const char *p = text;

	for (unsigned int i = 0; i < knob->list_len; i++) {
		unsigned long long n;
		char *end;
		bool max;

		p += strspn(p, " \t\n");
		max = !strncmp(p, "MAX/", 4);
		if (max && knob->kind == KNOB_RATIO_LIST)
			p += 4;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		errno = 0;
		n = strtoull(p, &end, 10);
		if (errno || (*end && !strchr(" \t\n", *end)))
			return -EINVAL;
		if (max && n == 0)
			return -EINVAL;
		/* a plain ratio above LLONG_MAX would be kept as MAX/N */
		if (knob->kind == KNOB_RATIO_LIST && n > LLONG_MAX)
			return -EINVAL;
		v->list[i] = max ? -(long long)(KSM_RATIO_SCALE / n) : (long long)n;
		p = end;
	}
	return p[strspn(p, " \t\n")] ? -EINVAL : 0;
}

/* "N" or, for a count beyond 64 bits, UKSM's "N * 2^k". */
static int pow2_parse_shown(const char *text, struct ksm_value *v)
{
	unsigned long long mant, k;
	const char *star = strstr(text, " * 2^");
	char num[32];
	size_t len;

	if (!star)
		return -EINVAL;
	len = (size_t)(star - text);
	if (len >= sizeof(num))
		return -EINVAL;
	memcpy(num, text, len);
	num[len] = '\0';
	if (ksm_parse_ull(num, &mant) || ksm_parse_ull(star + 5, &k) || k > 1024)
		return -EINVAL;
	v->mant = mant;
	v->shift = (unsigned int)k;
	/* the exact figure is mant x 2^k; u keeps what fits in 64 bits */
	v->u = !mant ? 0 : k >= 64 || mant > (~0ULL >> k) ? ~0ULL : mant << k;
	v->s = v->u > LLONG_MAX ? LLONG_MAX : (long long)v->u;
	return 0;
}

int ksm_knob_parse_shown(const struct ksm_knob *knob, const char *text,
			 struct ksm_value *v)
{
	memset(v, 0, sizeof(*v));
	if (is_list(knob))
		return list_parse_shown(knob, text, v);
	if (knob->kind == KNOB_MODE) {
		/* "[none] scan-time": the bracketed word is the active one */
		const char *open = strchr(text, '[');
		size_t len;

		/* A bare name, as a fixture tree holds after a write. */
		if (!open) {
			for (int i = 0; knob->modes[i]; i++) {
				if (sysfs_streq_k(knob->modes[i], text)) {
					v->u = (unsigned long long)i;
					return 0;
				}
			}
			return -EINVAL;
		}
		len = strcspn(open + 1, "]");
		if (open[1 + len] != ']')
			return -EINVAL;
		for (int i = 0; knob->modes[i]; i++) {
			if (strlen(knob->modes[i]) == len &&
			    !strncmp(knob->modes[i], open + 1, len)) {
				v->u = (unsigned long long)i;
				return 0;
			}
		}
		return -EINVAL;
	}
	if (knob->kind == KNOB_SCOUNTER || knob->kind == KNOB_INT) {
		int err = ksm_parse_ll(text, &v->s);

		v->u = (unsigned long long)v->s;
		return err;
	}
	{
		int err = ksm_parse_ull(text, &v->u);

		if (err && (knob->flags & KNOB_SHOWN_POW2))
			return pow2_parse_shown(text, v);
		v->s = (long long)v->u;
		return err;
	}
}

static void list_format(const struct ksm_knob *knob, const struct ksm_value *v,
			char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < knob->list_len && off < size; i++) {
		const char *sep = i ? " " : "";
		long long x = v->list[i];

		if (knob->kind == KNOB_RATIO_LIST && x < 0)
			off += (size_t)snprintf(buf + off, size - off, "%sMAX/%lld",
						sep, KSM_RATIO_SCALE / -x);
		else if (knob->kind == KNOB_RATIO_LIST)
			off += (size_t)snprintf(buf + off, size - off, "%s%lld",
						sep, x);
		else
			off += (size_t)snprintf(buf + off, size - off, "%s%llu",
						sep, (unsigned long long)x);
	}
}

void ksm_knob_format(const struct ksm_knob *knob, const struct ksm_value *v,
		     char *buf, size_t size)
{
	if (is_list(knob))
		list_format(knob, v, buf, size);
	else if (v->shift)
		snprintf(buf, size, "%llu * 2^%u", v->mant, v->shift);
	else if (knob->kind == KNOB_MODE)
		snprintf(buf, size, "%s", knob->modes[v->u]);
	else if (knob->kind == KNOB_SCOUNTER || knob->kind == KNOB_INT)
		snprintf(buf, size, "%lld", v->s);
	else
		snprintf(buf, size, "%llu", v->u);
}

bool ksm_value_equal(const struct ksm_knob *knob, const struct ksm_value *a,
		     const struct ksm_value *b)
{
	if (is_list(knob)) {
		for (unsigned int i = 0; i < knob->list_len; i++)
			if (a->list[i] != b->list[i])
				return false;
		return true;
	}
	if (knob->kind == KNOB_SCOUNTER || knob->kind == KNOB_INT)
		return a->s == b->s;
	return a->u == b->u && a->shift == b->shift &&
	       (!a->shift || a->mant == b->mant);
}

bool ksm_value_kept(const struct ksm_knob *knob, enum ksm_knob_dir dir,
		    const struct ksm_value *written,
		    const struct ksm_value *seen)
{
	if (ksm_value_equal(knob, written, seen))
		return true;
	/* UKSM: msecs_to_jiffies() rounds up, jiffies_to_msecs() shows it */
	return (knob->flags & KNOB_UKSM_JIFFIES) && dir == KNOB_DIR_UKSM &&
	       seen->u >= written->u && seen->u - written->u < 10;
}

void ksm_version_format(unsigned int version, char *buf, size_t size)
{
	unsigned int a = version >> 16, b = (version >> 8) & 0xff,
		     c = version & 0xff;

	if (a == 2)
		snprintf(buf, size, "Linux %u.%u.%u", a, b, c);
	else
		snprintf(buf, size, "Linux %u.%u", a, b);
}

unsigned int ksm_version_parse(const char *release)
{
	unsigned int a = 0, b = 0, c = 0;

	if (sscanf(release, "%u.%u.%u", &a, &b, &c) < 2)
		return 0;
	if (b > 255)
		b = 255;
	if (c > 255)
		c = 255;
	return KSM_VERSION(a, b, c);
}
