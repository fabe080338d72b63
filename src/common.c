// SPDX-License-Identifier: GPL-2.0-or-later
/* What every command shares: messages, options, and the write path. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <time.h>
#include <unistd.h>

#include "ksmctl.h"
#include "lib/parse.h"

static void vmessage(const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, PROGRAM ": ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void ksm_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
}

void ksm_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
}

int ksm_usage_error(const struct ksm_command *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, "Try '" PROGRAM " %s --help' for more information.\n",
			cmd->name);
	else
		fprintf(stderr, "Try '" PROGRAM " --help' for more information.\n");
	return EXIT_USAGE;
}

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
					argv[optind - 1]);
	}
	return c;
}

int ksm_ctx_sample(struct ksm_ctx *ctx, struct ksm_sample *s)
{
	int err = ksm_sample_read(ctx->root, s);

	if (err == -ENOENT) {
		const char *root = ctx->sysroot;
		size_t len = strlen(root);

		/* "/sys/kernel/mm/ksm", or "DIR/sys/kernel/mm/ksm" */
		ksm_err("%.*s/%s: not found: this kernel has no KSM (CONFIG_KSM is not set)",
			(int)(len && root[len - 1] == '/' ? len - 1 : len), root,
			KSM_SYSFS_DIR);
		return EXIT_UNAVAILABLE;
	}
	if (err) {
		ksm_err("%s: cannot read: %s", KSM_SYSFS_DIR, strerror(-err));
		return EXIT_FAIL;
	}
	return 0;
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

int ksm_parse_option_ull(const struct ksm_command *cmd, const char *option,
			 const char *text, unsigned long long max,
			 unsigned long long *out)
{
	unsigned long long v;

	if (kstrtoull10(text, &v) || v > max || strchr(text, '\n')) {
		ksm_usage_error(cmd, "%s: invalid value '%s': expected a decimal integer from 0 to %llu",
				option, text, max);
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
				option, text);
		return -EINVAL;
	}
	*ms = (long)(secs * 1000 + 0.5);
	if (*ms == 0)
		*ms = 1;
	return 0;
}

int ksm_close_stdout(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		if (errno != EPIPE)
			fprintf(stderr, PROGRAM ": write error: %s\n",
				strerror(errno));
		return status ? status : EXIT_FAIL;
	}
	return status;
}

volatile sig_atomic_t ksm_stop;

static void on_stop_signal(int sig)
{
	(void)sig;
	ksm_stop = 1;
}

void ksm_catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	/* no SA_RESTART: a blocking wait must return and look at ksm_stop */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

long long ksm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int ksm_wait_signal(const sigset_t *set, long long deadline)
{
	for (;;) {
		long long left = deadline - ksm_now_ms();
		struct timespec ts;
		int sig;

		if (left <= 0)
			return 0;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		sig = sigtimedwait(set, NULL, &ts);
		if (sig > 0)
			return sig;
		if (errno == EAGAIN)
			return 0;
	}
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
