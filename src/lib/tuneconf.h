/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ksmtuned.conf, the configuration of `ksmctl tune`: ksmtuned's keys
 * (KSM_MONITOR_INTERVAL ... KSM_THRES_CONST, LOGFILE, DEBUG) and ours
 * (PIDFILE, KSM_FREE_METRIC ... KSM_RESTORE_ON_EXIT), read from the text
 * as ksmtuned's sh would source it, and spelt back as the file would
 * spell them (tune --show-config).  What the values do is tuner.h's.
 *
 * Pure: the parser takes text; the command reads the file.
 */
#ifndef KSMCTL_TUNECONF_H
#define KSMCTL_TUNECONF_H

#include <stdbool.h>
#include <stddef.h>

#define KSM_TUNE_DEFAULT_REGEX "^qemu(-(kvm|system-.+)|:.{1,11})$"

enum ksm_tune_key {
	TK_MONITOR_INTERVAL,
	TK_SLEEP_MSEC,
	TK_NPAGES_BOOST,
	TK_NPAGES_DECAY,
	TK_NPAGES_MIN,
	TK_NPAGES_MAX,
	TK_THRES_COEF,
	TK_THRES_CONST,
	TK_LOGFILE,
	TK_DEBUG,
	TK_PIDFILE,
	TK_FREE_METRIC,
	TK_COMMITTED,
	TK_PROCESS_REGEX,
	TK_INCLUDE_KSM_USERS,
	TK_USE_ADVISOR,
	TK_GOVERNOR,
	TK_RESTORE_ON_EXIT,
	TK_COUNT
};

enum ksm_tune_free { TUNE_FREE_AVAILABLE, TUNE_FREE_KSMTUNED };
enum ksm_tune_committed { TUNE_COMMITTED_PSS, TUNE_COMMITTED_RSS };
enum ksm_tune_advisor { TUNE_ADVISOR_AUTO, TUNE_ADVISOR_YES, TUNE_ADVISOR_NO };
enum ksm_tune_governor {
	TUNE_GOV_NONE,
	TUNE_GOV_FULL,
	TUNE_GOV_MEDIUM,
	TUNE_GOV_LOW,
	TUNE_GOV_QUIET,
};

struct ksm_tune_config {
	long interval_ms;		/* KSM_MONITOR_INTERVAL */
	unsigned long long sleep_msec;	/* KSM_SLEEP_MSEC, for a 16 GiB host */
	long long npages_boost, npages_decay;
	unsigned long long npages_min, npages_max;
	unsigned int thres_coef;	/* % of MemTotal */
	unsigned long long thres_const;	/* KiB */
	char logfile[512];		/* "" = none */
	bool debug;
	char pidfile[512];		/* "" = the command's default */
	enum ksm_tune_free free_metric;
	enum ksm_tune_committed committed;
	char process_regex[512];
	bool include_ksm_users;
	enum ksm_tune_advisor use_advisor;
	enum ksm_tune_governor governor;
	bool restore_on_exit;
	int line[TK_COUNT];		/* where each key was set; 0 = default */
};

/* The key's name in ksmtuned.conf ("KSM_NPAGES_BOOST"). */
const char *ksm_tune_key_name(enum ksm_tune_key key);
/* The built-in default as the configuration file would spell it. */
const char *ksm_tune_key_default(enum ksm_tune_key key);
/* The configured value as the file would spell it; buf for numbers. */
const char *ksm_tune_key_value(const struct ksm_tune_config *c,
			       enum ksm_tune_key key, char *buf, size_t size);

/* The preset as KSM_GOVERNOR spells it ("" for none). */
const char *ksm_tune_governor_name(enum ksm_tune_governor g);

struct ksm_tune_error {
	int line;		/* 1-based; 0 when the file as a whole is bad */
	char msg[400];
};

void ksm_tune_config_defaults(struct ksm_tune_config *c);

/*
 * Parse the text of a ksmtuned.conf over the defaults, as ksmtuned's sh
 * would source it: KEY=VALUE, comments, blank lines, quotes, "export",
 * the last assignment wins.  Refuses (-EINVAL, with err->line and a one
 * line err->msg) unknown keys, values sh would not take as one word, and
 * values out of range; checks KSM_NPAGES_MIN <= KSM_NPAGES_MAX and that
 * KSM_PROCESS_REGEX compiles.  On failure *c is left unchanged.
 */
int ksm_tune_config_parse(const char *text, struct ksm_tune_config *c,
			  struct ksm_tune_error *err);

#endif
