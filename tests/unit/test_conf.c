// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The /etc/ksmctl.conf syntax (lib/conf.c) and replacing a file
 * atomically (lib/savefile.c), which save and the calibration use.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "lib/conf.h"
#include "lib/savefile.h"
#include "testutil.h"

#define MAX_LINES 32

struct seen {
	struct ksm_conf_line l[MAX_LINES];
	int n;
};

static int collect(const struct ksm_conf_line *l, void *data)
{
	struct seen *s = data;

	if (s->n < MAX_LINES)
		s->l[s->n++] = *l;
	return 0;
}

static void parse(const char *text, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(ksm_conf_parse(text, collect, s), 0);
}

static void test_settings(void **state)
{
	struct seen s;

	(void)state;
	parse("# comment\n"
	      "\n"
	      "   # indented comment\n"
	      "run=1\n"
	      "  pages_to_scan   =   1000   \n"
	      "governor = low # a budget\n"
	      "cpu_ratios = 20 40 MAX/4 MAX/1\n"
	      "quoted = \"a # b \"  # comment\n"
	      "hash = a#b\n"
	      "crlf = 5\r\n"
	      "last = 7", &s);
	assert_int_equal(s.n, 8);
	assert_int_equal(s.l[0].line, 4);
	assert_string_equal(s.l[0].name, "run");
	assert_string_equal(s.l[0].value, "1");
	assert_null(s.l[0].error);
	assert_string_equal(s.l[1].name, "pages_to_scan");
	assert_string_equal(s.l[1].value, "1000");
	assert_string_equal(s.l[2].value, "low");
	assert_string_equal(s.l[3].value, "20 40 MAX/4 MAX/1");
	/* quotes keep blanks and '#' */
	assert_string_equal(s.l[4].value, "a # b ");
	/* '#' opens a comment only after a blank */
	assert_string_equal(s.l[5].value, "a#b");
	assert_string_equal(s.l[6].value, "5");
	assert_string_equal(s.l[7].name, "last");
	assert_string_equal(s.l[7].value, "7");
	assert_int_equal(s.l[7].line, 11);
}

static void test_errors(void **state)
{
	static const struct {
		const char *text, *error;
	} bad[] = {
		{ "run 1\n", "not a 'name = value' line" },
		{ "= 1\n", "not a 'name = value' line" },
		{ "run =\n", "no value after '='" },
		{ "run = # comment\n", "no value after '='" },
		{ "run = \"\"\n", "no value after '='" },
		{ "run = \"1\n", "closing quote" },
		{ "run = \"1\" 2\n", "text after" },
		{ "my knob = 1\n", "a name is letters" },
		{ "\"run\" = 1\n", "not a 'name = value' line" },
		{ "run.x = 1\n", "a name is letters" },
	};
	char longname[200], longvalue[400];
	struct seen s;

	(void)state;
	for (size_t i = 0; i < TU_ARRAY_SIZE(bad); i++) {
		parse(bad[i].text, &s);
		assert_int_equal(s.n, 1);
		if (!s.l[0].error || !strstr(s.l[0].error, bad[i].error))
			fail_msg("'%s': error %s, want %s", bad[i].text,
				 s.l[0].error ? s.l[0].error : "none", bad[i].error);
	}
	memset(longname, 'a', sizeof(longname));
	snprintf(longname + 100, sizeof(longname) - 100, " = 1\n");
	parse(longname, &s);
	assert_non_null(strstr(s.l[0].error, "too long"));
	snprintf(longvalue, sizeof(longvalue), "run = ");
	memset(longvalue + 6, '1', 300);
	longvalue[306] = '\0';
	parse(longvalue, &s);
	assert_non_null(strstr(s.l[0].error, "too long"));
	/* every line is reported, with its number */
	parse("a = 1\nbad\nb = 2\nalso bad\n", &s);
	assert_int_equal(s.n, 4);
	assert_null(s.l[0].error);
	assert_int_equal(s.l[1].line, 2);
	assert_non_null(s.l[1].error);
	assert_int_equal(s.l[3].line, 4);
	assert_non_null(s.l[3].error);
}

static int stop_at_two(const struct ksm_conf_line *l, void *data)
{
	(*(int *)data)++;
	return l->line == 2 ? -EINTR : 0;
}

static void test_callback_stops(void **state)
{
	int calls = 0;

	(void)state;
	assert_int_equal(ksm_conf_parse("a = 1\nb = 2\nc = 3\n", stop_at_two,
					&calls), -EINTR);
	assert_int_equal(calls, 2);
	calls = 0;
	assert_int_equal(ksm_conf_parse("", stop_at_two, &calls), 0);
	assert_int_equal(calls, 0);
}

static void test_file_replace(void **state)
{
	char *dir = tu_mkroot(), path[4096];
	struct stat st;
	int fd;

	(void)state;
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	/* below a root: the leading '/' is the root's, parents are made */
	assert_int_equal(ksm_file_replace(fd, "/var/lib/ksmctl/calibration",
					  "A=1\n", 0644, true), 0);
	assert_string_equal(tu_read(dir, "var/lib/ksmctl/calibration"), "A=1\n");
	snprintf(path, sizeof(path), "%s/var/lib/ksmctl/calibration", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	/* replaced whole, and no temporary file left beside it */
	assert_int_equal(ksm_file_replace(fd, "var/lib/ksmctl/calibration",
					  "B=2\n", 0600, false), 0);
	assert_string_equal(tu_read(dir, "var/lib/ksmctl/calibration"), "B=2\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	{
		DIR *d;
		struct dirent *de;
		int n = 0;

		snprintf(path, sizeof(path), "%s/var/lib/ksmctl", dir);
		d = opendir(path);
		while ((de = readdir(d)))
			n += de->d_name[0] != '.' || strlen(de->d_name) > 2;
		closedir(d);
		assert_int_equal(n, 1);
	}
	/* no parents without mkdirs: the old file stays */
	assert_int_equal(ksm_file_replace(fd, "etc/ksmctl.conf", "x\n", 0644, false),
			 -ENOENT);
	/* a directory where the file should be */
	tu_mkdirs(dir, "etc/ksmctl.conf");
	assert_int_not_equal(ksm_file_replace(fd, "etc/ksmctl.conf", "x\n", 0644,
					      true), 0);
	assert_int_equal(ksm_file_replace(fd, "", "x\n", 0644, true), -EINVAL);
	close(fd);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_file_replace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
