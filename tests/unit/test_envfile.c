// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * KEY=VALUE files as sh reads them (/etc/default/ksm, /etc/sysconfig/ksm,
 * /etc/ksmtuned.conf): what sh would assign, and a clear refusal (with
 * the line) where sh would run a command or fail.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/envfile.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Debian's /etc/default/ksm as shipped by the ksmtuned package */
static const char debian_default[] =
	"# Defaults for ksm initscript\n"
	"# sourced by /etc/init.d/ksm\n"
	"\n"
	"# start ksm (yes/no)\n"
	"START=yes\n"
	"\n"
	"# number of kernel pages KSM may use (obsolete since 2.6.33)\n"
	"KSM_MAX_KERNEL_PAGES=\n";

static const char ksmtuned_conf[] =
	"# Configuration file for ksmtuned.\n"
	"\n"
	"# How long ksmtuned should sleep between tuning adjustments\n"
	"# KSM_MONITOR_INTERVAL=60\n"
	"\n"
	"# Millisecond sleep between ksm scans for 16Gb server.\n"
	"# Smaller servers sleep more, bigger sleep less.\n"
	"KSM_SLEEP_MSEC=10\n"
	"\n"
	"KSM_NPAGES_BOOST=300\n"
	"KSM_NPAGES_DECAY=-50\n"
	"# KSM_NPAGES_MIN=64\n"
	"KSM_NPAGES_MAX=1250\n"
	"\n"
	"KSM_THRES_COEF=20\n"
	"KSM_THRES_CONST=2048\n"
	"\n"
	"# uncomment the following if you want ksmtuned debug info\n"
	"\n"
	"LOGFILE=/var/log/ksmtuned\n"
	"DEBUG=1\n";

static void test_shipped_files(void **state)
{
	char value[64];
	int bad = -1;

	(void)state;
	assert_int_equal(ksm_envfile_get(debian_default, "START", value,
					 sizeof(value), &bad), 0);
	assert_string_equal(value, "yes");
	assert_int_equal(ksm_envfile_get(debian_default, "KSM_MAX_KERNEL_PAGES",
					 value, sizeof(value), &bad), 0);
	assert_string_equal(value, "");
	assert_int_equal(ksm_envfile_get(ksmtuned_conf, "KSM_NPAGES_DECAY", value,
					 sizeof(value), &bad), 0);
	assert_string_equal(value, "-50");
	assert_int_equal(ksm_envfile_get(ksmtuned_conf, "LOGFILE", value,
					 sizeof(value), &bad), 0);
	assert_string_equal(value, "/var/log/ksmtuned");
	/* commented out is absent */
	assert_int_equal(ksm_envfile_get(ksmtuned_conf, "KSM_NPAGES_MIN", value,
					 sizeof(value), &bad), -ENOENT);
	assert_int_equal(ksm_envfile_get(ksmtuned_conf, "KSM_MONITOR_INTERVAL",
					 value, sizeof(value), &bad), -ENOENT);
	assert_int_equal(ksm_envfile_get("", "X", value, sizeof(value), &bad),
			 -ENOENT);
}

static const struct {
	const char *text, *key, *value;
} values[] = {
	{ "K=1", "K", "1" },			/* no final newline */
	{ "K=1\n", "K", "1" },
	{ "K=1\r\n", "K", "1" },		/* edited on Windows */
	{ "export K=1\n", "K", "1" },
	{ "export\tK=1\n", "K", "1" },
	{ "  K=1\n", "K", "1" },
	/* tolerated on purpose: sh would run "1" as a command */
	{ "K = 1\n", "K", "1" },
	{ "K=  1\n", "K", "1" },
	{ "K=1   \n", "K", "1" },
	{ "K=1 # comment\n", "K", "1" },
	{ "K=1\t# comment\n", "K", "1" },
	{ "K=a#b\n", "K", "a#b" },		/* '#' inside a word is text */
	{ "K=#x\n", "K", "#x" },		/* ... also right after '=' */
	{ "K= #x\n", "K", "" },			/* after a blank, a comment */
	{ "K='a b  c'\n", "K", "a b  c" },
	{ "K='a\"b\\n'\n", "K", "a\"b\\n" },	/* no escapes in '' */
	{ "K=\"a b\"\n", "K", "a b" },
	{ "K=\"a\\\"b\"\n", "K", "a\"b" },
	{ "K=\"\\$HOME \\\\ \\`\"\n", "K", "$HOME \\ `" },
	{ "K=\"a\\nb\"\n", "K", "a\\nb" },	/* \n stays two characters */
	{ "K=a\\ b\n", "K", "a b" },
	{ "K=pre'fix'\"ed\"\n", "K", "prefixed" },
	{ "K=''\n", "K", "" },
	{ "K=\"#\"\n", "K", "#" },
	{ "_K9=1\n", "_K9", "1" },
	{ "exportK=1\n", "exportK", "1" },
	{ "K=1\nK=2\n", "K", "2" },		/* the last one wins */
	{ "# K=1\nK=3\n", "K", "3" },
	{ "A=1\n\n\t\n# c\nB=2\n", "B", "2" },
};

static void test_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
		char value[64] = "unset";
		int bad = -1;
		int err = ksm_envfile_get(values[i].text, values[i].key, value,
					  sizeof(value), &bad);

		if (err || strcmp(value, values[i].value))
			fail_msg("case %zu (%s): %d \"%s\", want \"%s\"", i,
				 values[i].text, err, value, values[i].value);
	}
}

static const struct {
	const char *text;
	int line;
} bad_files[] = {
	{ "K='open\n", 1 },
	{ "K=\"open\n", 1 },
	{ "OK=1\nK=a b\n", 2 },		/* sh would run b */
	{ "OK=1\n\nnot an assignment\n", 3 },
	{ "1K=2\n", 1 },
	{ "=1\n", 1 },
	{ "K\n", 1 },
	{ "K-X=1\n", 1 },
	{ "export\n", 1 },
	{ "A=1\n# fine\n  B=2\nC\n", 4 },
};

static void test_refusals(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_files); i++) {
		char value[64];
		int bad = -1;
		int err = ksm_envfile_get(bad_files[i].text, "K", value,
					  sizeof(value), &bad);

		if (err != -EINVAL || bad != bad_files[i].line)
			fail_msg("case %zu (%s): %d at line %d, want line %d", i,
				 bad_files[i].text, err, bad, bad_files[i].line);
	}
}

static void test_long_lines(void **state)
{
	static char text[10000];
	char value[8];
	int bad = -1;

	(void)state;
	/* a value longer than the buffer is cut, not overflowed */
	assert_int_equal(ksm_envfile_get("K=abcdefghij\n", "K", value,
					 sizeof(value), &bad), 0);
	assert_string_equal(value, "abcdefg");
	assert_int_equal(ksm_envfile_get("K=\"abcdefghij\"\n", "K", value,
					 sizeof(value), &bad), 0);
	assert_string_equal(value, "abcdefg");
	assert_int_equal(ksm_envfile_get("K='abcdefghij'\n", "K", value,
					 sizeof(value), &bad), 0);
	assert_string_equal(value, "abcdefg");
	/* a line too long to hold is refused, with its number */
	memcpy(text, "A=1\nK=", 6);
	memset(text + 6, 'x', 5000);
	strcpy(text + 5006, "\n");
	assert_int_equal(ksm_envfile_get(text, "A", value, sizeof(value), &bad),
			 -EINVAL);
	assert_int_equal(bad, 2);
	/* a long comment is still a line */
	text[4] = '#';
	assert_int_equal(ksm_envfile_get(text, "A", value, sizeof(value), &bad),
			 -EINVAL);
}

struct seen {
	char keys[8][16];
	int lines[8];
	int n, stop_at;
};

static int collect(const char *key, const char *value, int line, void *data)
{
	struct seen *s = data;

	(void)value;
	snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s", key);
	s->lines[s->n++] = line;
	return s->n == s->stop_at ? 42 : 0;
}

static void test_callback(void **state)
{
	const char *text = "# head\nA=1\n\nB=2\r\nexport C='x'\n";
	struct seen s = { .stop_at = 0 };
	int bad = -1;

	(void)state;
	assert_int_equal(ksm_envfile_parse(text, collect, &s, &bad), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.keys[0], "A");
	assert_int_equal(s.lines[0], 2);
	assert_string_equal(s.keys[1], "B");
	assert_int_equal(s.lines[1], 4);
	assert_string_equal(s.keys[2], "C");
	assert_int_equal(s.lines[2], 5);
	/* a non-zero return stops the parse and is passed back */
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	assert_int_equal(ksm_envfile_parse(text, collect, &s, &bad), 42);
	assert_int_equal(s.n, 2);
	/* the callback sees nothing after a bad line */
	memset(&s, 0, sizeof(s));
	assert_int_equal(ksm_envfile_parse("A=1\nbad line\nB=2\n", collect, &s,
					   &bad), -EINVAL);
	assert_int_equal(bad, 2);
	assert_int_equal(s.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_files),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_callback),
	};

	return cmocka_run_group_tests_name("envfile", tests, NULL, NULL);
}
