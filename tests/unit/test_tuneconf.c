// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmtuned.conf: Debian's file as shipped reads as the defaults, every
 * key's accepted spellings read back as tune --show-config prints them,
 * and every refusal names its line in one message and changes nothing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/tuneconf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Debian's /etc/ksmtuned.conf as shipped: everything commented out. */
static const char debian_conf[] =
	"# Configuration file for ksmtuned.\n"
	"\n"
	"# How long ksmtuned should sleep between tuning adjustments\n"
	"# KSM_MONITOR_INTERVAL=60\n"
	"\n"
	"# Millisecond sleep between ksm scans for 16Gb server.\n"
	"# Smaller servers sleep more, bigger sleep less.\n"
	"# KSM_SLEEP_MSEC=10\n"
	"\n"
	"# KSM_NPAGES_BOOST=300\n"
	"# KSM_NPAGES_DECAY=-50\n"
	"# KSM_NPAGES_MIN=64\n"
	"# KSM_NPAGES_MAX=1250\n"
	"\n"
	"# KSM_THRES_COEF=20\n"
	"# KSM_THRES_CONST=2048\n"
	"\n"
	"# uncomment the following if you want ksmtuned debug info\n"
	"\n"
	"# LOGFILE=/var/log/ksmtuned\n"
	"# DEBUG=1\n";

static void test_defaults(void **state)
{
	struct ksm_tune_config c, d;
	struct ksm_tune_error err;
	char buf[64];

	(void)state;
	ksm_tune_config_defaults(&c);
	d = c;
	assert_int_equal(ksm_tune_config_parse(debian_conf, &c, &err), 0);
	assert_memory_equal(&c, &d, sizeof(c));
	/* ksmtuned's defaults (reference doc), and ours */
	assert_int_equal(c.interval_ms, 60000);
	assert_int_equal(c.sleep_msec, 10);
	assert_int_equal(c.npages_boost, 300);
	assert_int_equal(c.npages_decay, -50);
	assert_int_equal(c.npages_min, 64);
	assert_int_equal(c.npages_max, 1250);
	assert_int_equal(c.thres_coef, 20);
	assert_int_equal(c.thres_const, 2048);
	assert_int_equal(c.free_metric, TUNE_FREE_AVAILABLE);
	assert_int_equal(c.committed, TUNE_COMMITTED_PSS);
	assert_string_equal(c.process_regex, "^qemu(-(kvm|system-.+)|:.{1,11})$");
	assert_false(c.include_ksm_users);
	assert_int_equal(c.use_advisor, TUNE_ADVISOR_AUTO);
	assert_int_equal(c.governor, TUNE_GOV_NONE);
	assert_true(c.restore_on_exit);
	assert_false(c.debug);
	/* every key's default reads back as the documented default */
	for (int k = 0; k < TK_COUNT; k++)
		assert_string_equal(ksm_tune_key_value(&c, k, buf, sizeof(buf)),
				    ksm_tune_key_default(k));
}

struct conf_case {
	const char *text;
	int line;		/* 0: accepted */
	const char *msg;	/* accepted: "KEY=value" read back */
};

static const struct conf_case conf_cases[] = {
	/* accepted, read as sh would */
	{ "KSM_NPAGES_MAX=2000\n", 0, "KSM_NPAGES_MAX=2000" },
	{ "KSM_NPAGES_MAX=\"2000\"\n", 0, "KSM_NPAGES_MAX=2000" },
	{ "KSM_NPAGES_MAX='2000'   # more\n", 0, "KSM_NPAGES_MAX=2000" },
	{ "  export KSM_NPAGES_MAX=2000\n", 0, "KSM_NPAGES_MAX=2000" },
	{ "KSM_NPAGES_MAX=1\nKSM_NPAGES_MIN=1\nKSM_NPAGES_MAX=9\n", 0,
	  "KSM_NPAGES_MAX=9" },		/* the last assignment wins */
	{ "KSM_NPAGES_DECAY=-10\n", 0, "KSM_NPAGES_DECAY=-10" },
	{ "KSM_NPAGES_DECAY=+10\n", 0, "KSM_NPAGES_DECAY=10" },
	{ "KSM_NPAGES_BOOST=0\n", 0, "KSM_NPAGES_BOOST=0" },
	{ "KSM_MONITOR_INTERVAL=0.1\n", 0, "KSM_MONITOR_INTERVAL=0.100" },
	{ "KSM_MONITOR_INTERVAL=2m\n", 0, "KSM_MONITOR_INTERVAL=120" },
	{ "KSM_MONITOR_INTERVAL=1.5s\n", 0, "KSM_MONITOR_INTERVAL=1.500" },
	{ "KSM_MONITOR_INTERVAL=1d\n", 0, "KSM_MONITOR_INTERVAL=86400" },
	{ "KSM_THRES_COEF=100\n", 0, "KSM_THRES_COEF=100" },
	{ "KSM_THRES_CONST=0\n", 0, "KSM_THRES_CONST=0" },
	{ "LOGFILE=/var/log/ksmtuned\r\n", 0, "LOGFILE=/var/log/ksmtuned" },
	{ "LOGFILE=\n", 0, "LOGFILE=" },
	{ "DEBUG=1\n", 0, "DEBUG=1" },
	{ "DEBUG=yes\n", 0, "DEBUG=1" },
	{ "DEBUG=anything\n", 0, "DEBUG=1" },	/* [ -n "$DEBUG" ] */
	{ "DEBUG=0\n", 0, "DEBUG=" },
	{ "DEBUG=\n", 0, "DEBUG=" },
	{ "PIDFILE=/var/run/ksmtune.pid\n", 0, "PIDFILE=/var/run/ksmtune.pid" },
	{ "KSM_FREE_METRIC=ksmtuned\n", 0, "KSM_FREE_METRIC=ksmtuned" },
	{ "KSM_COMMITTED=rss\n", 0, "KSM_COMMITTED=rss" },
	{ "KSM_PROCESS_REGEX='^(qemu|kvm)'\n", 0, "KSM_PROCESS_REGEX=^(qemu|kvm)" },
	{ "KSM_INCLUDE_KSM_USERS=yes\n", 0, "KSM_INCLUDE_KSM_USERS=yes" },
	{ "KSM_INCLUDE_KSM_USERS=off\n", 0, "KSM_INCLUDE_KSM_USERS=no" },
	{ "KSM_USE_ADVISOR=yes\n", 0, "KSM_USE_ADVISOR=yes" },
	{ "KSM_GOVERNOR=low\n", 0, "KSM_GOVERNOR=low" },
	{ "KSM_GOVERNOR=\n", 0, "KSM_GOVERNOR=" },
	{ "KSM_RESTORE_ON_EXIT=no\n", 0, "KSM_RESTORE_ON_EXIT=no" },
	/* refused, with the line */
	{ "\n# x\nKSM_FOO=1\n", 3, "unknown setting 'KSM_FOO'" },
	{ "START=yes\n", 1, "unknown setting 'START'" },
	{ "KSM_NPAGES_MAX=lots\n", 1, "KSM_NPAGES_MAX: invalid value 'lots'" },
	{ "KSM_NPAGES_MAX=0x10\n", 1, "KSM_NPAGES_MAX: invalid value '0x10'" },
	{ "KSM_NPAGES_MAX=010\n", 1, "octal" },
	{ "KSM_NPAGES_MAX=-1\n", 1, "from 0 to 4294967295" },
	{ "KSM_NPAGES_MAX=4294967296\n", 1, "from 0 to 4294967295" },
	{ "KSM_NPAGES_MAX=99999999999999999999999\n", 1, "KSM_NPAGES_MAX" },
	{ "KSM_NPAGES_MAX=\n", 1, "invalid value ''" },
	{ "KSM_NPAGES_MAX=1 2\n", 1, "not a KEY=VALUE line" },
	{ "KSM_NPAGES_MAX=\"12\n", 1, "not a KEY=VALUE line" },
	{ "KSM_NPAGES_MIN=500\nKSM_NPAGES_MAX=100\n", 2, "KSM_NPAGES_MIN (500) is above" },
	{ "KSM_NPAGES_MAX=100\nKSM_NPAGES_MIN=500\n", 2, "KSM_NPAGES_MIN (500) is above" },
	{ "KSM_NPAGES_MAX=10\n", 1, "KSM_NPAGES_MIN (64) is above" },
	/* ksmd running with pages_to_scan 0 merges nothing */
	{ "KSM_NPAGES_MIN=0\n", 1, "KSM_NPAGES_MIN: invalid value '0': 0 would leave ksmd running and scanning nothing" },
	{ "KSM_THRES_COEF=101\n", 1, "from 0 to 100" },
	{ "KSM_SLEEP_MSEC=-5\n", 1, "KSM_SLEEP_MSEC: invalid value '-5'" },
	{ "KSM_MONITOR_INTERVAL=0\n", 1, "more than 0" },
	{ "KSM_MONITOR_INTERVAL=1w\n", 1, "KSM_MONITOR_INTERVAL" },
	{ "KSM_MONITOR_INTERVAL=2d\n", 1, "at most 86400" },
	{ "KSM_MONITOR_INTERVAL=\n", 1, "KSM_MONITOR_INTERVAL" },
	{ "LOGFILE=log/ksmtuned\n", 1, "absolute path" },
	{ "KSM_FREE_METRIC=MemAvailable\n", 1, "expected available or ksmtuned" },
	{ "KSM_COMMITTED=uss\n", 1, "expected pss or rss" },
	{ "KSM_PROCESS_REGEX='qemu('\n", 1, "not a POSIX extended regular expression" },
	{ "KSM_PROCESS_REGEX=\n", 1, "match every process" },
	{ "KSM_INCLUDE_KSM_USERS=maybe\n", 1, "expected yes or no" },
	{ "KSM_USE_ADVISOR=always\n", 1, "expected auto, yes or no" },
	{ "KSM_GOVERNOR=turbo\n", 1, "expected full, medium, low, quiet" },
	{ "KSM_GOVERNOR=low\nKSM_USE_ADVISOR=no\n", 2, "KSM_USE_ADVISOR=no rules out" },
	{ "KSM_NPAGES_MAX=\x1b[2J\n", 1, "\\x1b[2J" },	/* escaped */
	{ "KSM_NPAGES_MAX=100\nnot an assignment\n", 2, "not a KEY=VALUE line" },
};

static void test_config_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(conf_cases); i++) {
		const struct conf_case *tc = &conf_cases[i];
		struct ksm_tune_config c, before;
		struct ksm_tune_error err;
		int rc;

		ksm_tune_config_defaults(&c);
		before = c;
		rc = ksm_tune_config_parse(tc->text, &c, &err);
		if (tc->line == 0) {
			char key[64], buf[64];
			const char *eq = strchr(tc->msg, '=');
			int k;

			if (rc)
				fail_msg("case %zu: refused: line %d: %s", i,
					 err.line, err.msg);
			snprintf(key, sizeof(key), "%.*s", (int)(eq - tc->msg),
				 tc->msg);
			for (k = 0; k < TK_COUNT; k++)
				if (!strcmp(ksm_tune_key_name(k), key))
					break;
			assert_true(k < TK_COUNT);
			assert_string_equal(ksm_tune_key_value(&c, k, buf, sizeof(buf)),
					    eq + 1);
			assert_true(c.line[k] > 0);
			continue;
		}
		if (rc != -EINVAL)
			fail_msg("case %zu (%s): accepted", i, tc->text);
		if (err.line != tc->line || !strstr(err.msg, tc->msg))
			fail_msg("case %zu: got line %d: %s; want line %d: %s",
				 i, err.line, err.msg, tc->line, tc->msg);
		/* a refused file changes nothing */
		assert_memory_equal(&c, &before, sizeof(c));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_config_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
