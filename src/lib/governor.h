/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The governor: UKSM's cpu_governor presets -- a CPU budget for ksmd --
 * on every kernel.
 *
 * A budget is a share of one CPU: full 95 %, medium 50 %, low 20 %,
 * quiet 1 % (UKSM's figures), or any 1..100 the user gives.  How it is
 * realised depends on what the kernel offers:
 *
 *   uksm         UKSM's own cpu_governor (a preset) or max_cpu_percentage
 *   cpu-advisor  this project's kernel patch: advisor_mode cpu with
 *                advisor_target_cpu
 *   scan-time    Linux 6.8+: the scan-time advisor, capped by
 *                advisor_max_cpu, with a target scan time of 50/budget
 *                seconds (at least 1), started at the budget's batch.
 *                It never takes less than 10 % of a CPU while it scans
 *                (KSM_ADVISOR_MIN_CPU), so smaller budgets use:
 *   manual       pages_to_scan and sleep_millisecs computed from ksmd's
 *                CPU time per page: a batch of P pages costs P x cost, so
 *                ksmd's share is P x cost / (P x cost + sleep).
 *
 * Everything here but the calibration I/O at the end is a pure function
 * of its arguments.
 */
#ifndef KSMCTL_GOVERNOR_H
#define KSMCTL_GOVERNOR_H

#include <stdbool.h>
#include <stddef.h>

#include "rootfs.h"
#include "sample.h"

enum ksm_gov_kind {
	KSM_GOV_UKSM,
	KSM_GOV_CPU_ADVISOR,
	KSM_GOV_SCAN_TIME,
	KSM_GOV_MANUAL,
};

/* What the kernel (and this ksmctl's knob table) offer. */
struct ksm_gov_caps {
	bool uksm;			/* /sys/kernel/mm/uksm */
	bool advisor;			/* advisor_mode exists (6.8+) */
	/* The CPU-advisor patch: advisor_mode lists "cpu", and the file
	 * advisor_target_cpu exists. */
	bool cpu_advisor;
	/* The knob table can write advisor_mode cpu and advisor_target_cpu. */
	bool table_has_cpu_advisor;
	/* Current state of the CPU advisor, read from the files. */
	bool cpu_mode_active;		/* advisor_mode reads [cpu] */
	unsigned long long target_cpu;	/* advisor_target_cpu */
};

/* The kernel's floor for the scan-time advisor (mm/ksm.c). */
#define KSM_GOV_SCAN_TIME_MIN_CPU 10

/*
 * ksmd's CPU time per scanned page when nobody calibrated: measured
 * values on current x86 machines are 0.3 to 3 us (more when pages merge,
 * less when they are skipped); 5 us errs on the side of staying inside
 * the budget.
 */
#define KSM_GOV_DEFAULT_COST_NS 5000.0

/* The budget the kernel's defaults give a batch: 20 ms of scanning. */
#define KSM_GOV_BATCH_MS 20.0
#define KSM_GOV_SLEEP_MIN_MS 10
#define KSM_GOV_SLEEP_MAX_MS 1000
/* advisor_max_pages_to_scan's kernel default; never set lower */
#define KSM_GOV_ADVISOR_MAX_PAGES 30000ULL

struct ksm_gov_preset {
	const char *name;
	unsigned int budget;		/* % of one CPU */
};

#define KSM_GOV_PRESETS 4
/* full, medium, low, quiet: the order of UKSM's cpu_governor. */
extern const struct ksm_gov_preset ksm_gov_presets[KSM_GOV_PRESETS];

const struct ksm_gov_preset *ksm_gov_preset_find(const char *name);
/* The preset with this budget, or NULL. */
const struct ksm_gov_preset *ksm_gov_preset_by_budget(unsigned int budget);

enum ksm_gov_kind ksm_gov_detect(const struct ksm_gov_caps *caps);
/* "uksm", "cpu-advisor", "scan-time", "manual" */
const char *ksm_gov_kind_name(enum ksm_gov_kind kind);
/* One line saying how the kind realises a budget. */
const char *ksm_gov_kind_text(enum ksm_gov_kind kind);

/* One knob write of a plan: "advisor_max_cpu" = "50". */
struct ksm_gov_setting {
	char knob[40];
	char value[40];
};

#define KSM_GOV_MAX_SETTINGS 8

struct ksm_gov_plan {
	enum ksm_gov_kind kind;		/* the method used (may differ: quiet) */
	unsigned int budget;
	const char *preset;		/* NULL for a budget given as a number */
	int count;
	struct ksm_gov_setting set[KSM_GOV_MAX_SETTINGS];
	char note[240];			/* why another method, or "" */
};

/* The manual method: sleep and pages for a budget at a cost per page. */
void ksm_gov_manual(unsigned int budget, double cost_ns,
		    unsigned long long *pages, unsigned long long *sleep_ms);
/* The share of one CPU (%) P pages per batch and a sleep give. */
double ksm_gov_manual_budget(unsigned long long pages,
			     unsigned long long sleep_ms, double cost_ns);
/* The scan-time advisor's target for a budget: 50/budget s, at least 1. */
unsigned long long ksm_gov_target_scan_time(unsigned int budget);

/*
 * The knob values that realise budget (1..100 % of one CPU) on a kernel
 * of this kind, given ksmd's cost per page and the current sample.
 * preset names the preset (UKSM writes its cpu_governor), or NULL.
 * Returns 0, or -EDOM with plan->note saying why (UKSM's
 * max_cpu_percentage takes only 10..99).
 */
int ksm_gov_map(enum ksm_gov_kind kind, unsigned int budget,
		const char *preset, double cost_ns,
		const struct ksm_sample *s, struct ksm_gov_plan *plan);

/*
 * Does the knob define the budget with this method?  For the advisors
 * sleep_millisecs and advisor_min/max_pages_to_scan only set the start
 * and make room: a value of the user's own may replace ksmctl's.
 */
bool ksm_gov_defines_budget(enum ksm_gov_kind kind, const char *knob);

struct ksm_gov_state {
	const char *preset;		/* a preset's name, or "custom" */
	enum ksm_gov_kind kind;		/* the method the knobs use */
	unsigned int budget;		/* the preset's, or custom's; 0: unknown */
	bool estimated;			/* budget computed from the cost */
	double estimate;		/* the estimate, % (manual) */
};

/*
 * Which preset the current knobs realise on a kernel of this kind:
 * the one ksm_gov_map() would have written, by the knobs that define the
 * budget (UKSM: cpu_governor and max_cpu_percentage; advisors:
 * advisor_mode and the CPU figure, and the target scan time; manual:
 * pages_to_scan and sleep_millisecs at the given cost).  Else "custom".
 */
void ksm_gov_recognise(enum ksm_gov_kind kind, const struct ksm_gov_caps *caps,
		       const struct ksm_sample *s, double cost_ns,
		       struct ksm_gov_state *out);

/* ---- calibration ---------------------------------------------------- */

#define KSM_GOV_CALIBRATION_PATH "var/lib/ksmctl/calibration"

/* Two readings of ksmd's CPU time and of what it scanned. */
struct ksm_gov_reading {
	double seconds;			/* CLOCK_MONOTONIC */
	unsigned long long cpu_ns;
	bool has_pages_scanned;		/* 6.6+ (and UKSM) */
	unsigned long long pages_scanned;
	unsigned long long full_scans;
	unsigned long long rmap_items;	/* pages in one full scan, roughly */
};

struct ksm_gov_calibration {
	double cost_ns;			/* CPU time per page */
	unsigned long long pages;	/* pages scanned in the window */
	unsigned long long cpu_ns;	/* ksmd's CPU time in the window */
	double seconds;
	char method[24];		/* "pages_scanned" or "full_scans" */
	char kernel[65];
};

/*
 * Cost per page from two readings: CPU time over pages_scanned, or on
 * kernels without it over full scans x rmap items.  Returns 0, or
 * -EAGAIN with why filled when ksmd did too little to measure.
 */
int ksm_gov_cost(const struct ksm_gov_reading *a,
		 const struct ksm_gov_reading *b,
		 struct ksm_gov_calibration *c, char *why, size_t size);

/* The calibration file's text (KEY=VALUE lines), and back. */
void ksm_gov_calibration_format(const struct ksm_gov_calibration *c,
				char *buf, size_t size);
int ksm_gov_calibration_parse(const char *text, struct ksm_gov_calibration *c);

/*
 * Read the calibration below the root.  0 and c filled, -ENOENT when
 * nobody calibrated, -EINVAL for a damaged file.
 */
int ksm_gov_calibration_load(const struct ksm_root *root,
			     struct ksm_gov_calibration *c);

/* Read caps from the kernel files (and the knob table). */
void ksm_gov_probe(const struct ksm_root *root, const struct ksm_sample *s,
		   struct ksm_gov_caps *caps);

#endif
