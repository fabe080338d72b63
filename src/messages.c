// SPDX-License-Identifier: GPL-2.0-or-later
/* Messages on stderr, the exit check of stdout, and advice on write errors. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "ksmctl.h"
#include "lib/escape.h"

/*
 * Is stderr the journal's stream (systemd sets JOURNAL_STREAM to its
 * "device:inode")?  Then each line carries its syslog priority as "<N>",
 * which journald takes off and keeps: `journalctl -p warning` works.
 */
static bool stderr_is_journal(void)
{
	static int known = -1;
	const char *env;
	unsigned long long dev, ino;
	struct stat st;

	if (known >= 0)
		return known;
	env = getenv("JOURNAL_STREAM");
	known = env && sscanf(env, "%llu:%llu", &dev, &ino) == 2 &&
		fstat(STDERR_FILENO, &st) == 0 &&
		(unsigned long long)st.st_dev == dev &&
		(unsigned long long)st.st_ino == ino;
	return known;
}

/* Every line on stderr starts so: the journal keeps each one's priority. */
static void line_start(int priority)
{
	if (stderr_is_journal())
		fprintf(stderr, "<%d>", priority);
}

/*
 * One line, whatever its parts hold: text from outside is ksm_escape()d
 * where it goes in (option arguments, names, paths, what a file held),
 * and the line is guarded as a whole, so no control character or invalid
 * byte of a part that was not reaches stderr (or the journal).
 */
static void vmessage(int priority, const char *fmt, va_list ap)
{
	char *line = NULL, *shown = NULL;

	fflush(stdout);
	if (vasprintf(&line, fmt, ap) >= 0)
		shown = malloc(4 * strlen(line) + 1);
	if (shown)
		ksm_escape_controls(line, shown, 4 * strlen(line) + 1);
	line_start(priority);
	fprintf(stderr, PROGRAM ": %s\n", shown ? shown : "out of memory");
	free(shown);
	free(line);
}

const char *ksm_shown(const char *text)
{
	static char bufs[4][1024];
	static unsigned int next;
	char *buf = bufs[next++ % 4];

	ksm_escape(text, buf, sizeof(bufs[0]));
	return buf;
}

void ksm_log(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(priority, fmt, ap);
	va_end(ap);
}

void ksm_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(LOG_ERR, fmt, ap);
	va_end(ap);
}

void ksm_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(LOG_WARNING, fmt, ap);
	va_end(ap);
}

int ksm_usage_error(const struct ksm_command *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(LOG_ERR, fmt, ap);
	va_end(ap);
	line_start(LOG_ERR);
	if (cmd)
		fprintf(stderr, "Try '" PROGRAM " %s --help' for more information.\n",
			cmd->name);
	else
		fprintf(stderr, "Try '" PROGRAM " --help' for more information.\n");
	return EXIT_USAGE;
}

static bool has_dac_override(void)
{
	cap_flag_value_t value = CAP_CLEAR;
	cap_t caps = cap_get_proc();

	if (!caps)
		return false;
	cap_get_flag(caps, CAP_DAC_OVERRIDE, CAP_EFFECTIVE, &value);
	cap_free(caps);
	return value == CAP_SET;
}

const char *ksm_write_hint(int err)
{
	switch (err) {
	case -EACCES:
	case -EPERM:
		if (geteuid() != 0 && !has_dac_override())
			return " (needs root)";
		return " (the kernel refuses writes to this file)";
	case -EROFS:
		return " (/sys is mounted read-only, as in most containers)";
	default:
		return "";
	}
}

int ksm_close_stdout(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		if (errno != EPIPE) {
			int err = errno;

			line_start(LOG_ERR);
			fprintf(stderr, PROGRAM ": write error: %s\n",
				strerror(err));
		}
		return status ? status : EXIT_FAIL;
	}
	return status;
}

