// SPDX-License-Identifier: GPL-2.0-or-later
/* Options: getopt over a command's table, --help, and option values. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ksmctl.h"
#include "lib/parse.h"

void ksm_print_help(const struct ksm_command *cmd, FILE *out)
{
	fprintf(out, "%s", cmd->usage);
	if (cmd->usage_more)
		cmd->usage_more(out);
}

int ksm_getopt(const struct ksm_command *cmd, int argc, char **argv)
{
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, cmd->shortopts, cmd->longopts, NULL);
	if (c == 'h') {
		ksm_print_help(cmd, stdout);
		exit(ksm_close_stdout(EXIT_OK));
	}
	if (c == '?') {
		if (optopt && strchr(cmd->shortopts, optopt))
			ksm_usage_error(cmd, "option requires an argument -- '%c'",
					optopt);
		else if (optopt)
			ksm_usage_error(cmd, "invalid option -- '%c'", optopt);
		else
			ksm_usage_error(cmd, "unrecognized option '%s'",
					ksm_shown(argv[optind - 1]));
	}
	return c;
}

int ksm_parse_option_ull(const struct ksm_command *cmd, const char *option,
			 const char *text, unsigned long long max,
			 unsigned long long *out)
{
	unsigned long long v;

	if (kstrtoull10(text, &v) || v > max || strchr(text, '\n')) {
		ksm_usage_error(cmd, "%s: invalid value '%s': expected a decimal integer from 0 to %llu",
				option, ksm_shown(text), max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int ksm_parse_seconds(const struct ksm_command *cmd, const char *option,
		      const char *text, long *ms)
{
	char *end;
	double secs;

	errno = 0;
	secs = strtod(text, &end);
	if (errno || end == text || *end || !(secs > 0) || secs > 86400 ||
	    strpbrk(text, "xXnNiI")) {
		ksm_usage_error(cmd, "%s: invalid value '%s': expected seconds, more than 0 and at most 86400 (fractions allowed)",
				option, ksm_shown(text));
		return -EINVAL;
	}
	*ms = (long)(secs * 1000 + 0.5);
	if (*ms == 0)
		*ms = 1;
	return 0;
}

int ksm_txn_getopt(const struct ksm_command *cmd, int c,
		   struct ksm_txn_opts *opts)
{
	switch (c) {
	case 'n':
		opts->dry_run = true;
		return 1;
	case 'q':
		opts->quiet = true;
		return 1;
	case 'W':
		opts->no_wait = true;
		return 1;
	case 'U':
		opts->unmerge = true;
		return 1;
	case 'f':
		opts->force = true;
		return 1;
	case 'T':
		return ksm_parse_seconds(cmd, "--timeout", optarg,
					 &opts->drain_timeout_ms) ? -1 : 1;
	default:
		return 0;
	}
}
