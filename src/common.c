// SPDX-License-Identifier: GPL-2.0-or-later
/* What every command shares: messages, options, and the write path. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <unistd.h>

#include "ksmctl.h"
#include "lib/lock.h"
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
	case -EBUSY:
		return " (KSM pages exist: an unmerge is needed first)";
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

static const char *format_value(const struct ksm_knob *knob,
				const struct ksm_value *v, char *buf,
				size_t size)
{
	ksm_knob_format(knob, v, buf, size);
	return buf;
}

static void print_plan(const struct ksm_txn *t, bool dry_run)
{
	for (int i = 0; i < t->count; i++) {
		const struct ksm_step *s = &t->steps[i];
		char from[64], to[64];

		format_value(s->knob, &s->from, from, sizeof(from));
		format_value(s->knob, &s->to, to, sizeof(to));
		if (s->state == STEP_UNCHANGED)
			printf("%s: %s (unchanged)\n", s->knob->name, to);
		else
			printf("%s: %s -> %s%s\n", s->knob->name, from, to,
			       dry_run ? " (dry run)" : "");
	}
}

/* After a failure, say exactly what each knob of the transaction holds. */
static void report_failure(const struct ksm_txn *t)
{
	const struct ksm_step *failed = NULL;
	bool changed = false;

	for (int i = 0; i < t->count; i++)
		if (t->steps[i].state == STEP_FAILED && !failed)
			failed = &t->steps[i];
	if (failed) {
		char to[64], seen[64];

		format_value(failed->knob, &failed->to, to, sizeof(to));
		if (failed->err == -EIO) {
			format_value(failed->knob, &failed->seen, seen, sizeof(seen));
			ksm_err("%s: wrote %s but it reads back %s", failed->knob->name,
				to, seen);
		} else {
			ksm_err("%s: cannot write %s: %s%s", failed->knob->name, to,
				strerror(-failed->err), ksm_write_hint(failed->err));
		}
	}
	for (int i = 0; i < t->count; i++) {
		const struct ksm_step *s = &t->steps[i];
		char from[64], seen[64];

		format_value(s->knob, &s->from, from, sizeof(from));
		format_value(s->knob, &s->seen, seen, sizeof(seen));
		if (s->state == STEP_RESTORED)
			ksm_err("%s: restored to %s", s->knob->name, from);
		if (s->left_changed) {
			ksm_err("%s: left changed: reads %s, was %s",
				s->knob->name, seen, from);
			changed = true;
		}
	}
	if (!changed)
		ksm_err("nothing was changed");
}

/* Knobs the kernel changed on its own as a side effect (advisor_mode). */
static void report_side_effects(struct ksm_ctx *ctx, const struct ksm_txn *t,
				const struct ksm_sample *before, bool quiet)
{
	struct ksm_sample after;

	if (ksm_sample_read(ctx->root, &after))
		return;
	for (int id = 0; id < KSM_KNOB_COUNT; id++) {
		const struct ksm_knob *k = &ksm_knobs[id];
		bool ours = false;
		char from[64], to[64];

		for (int i = 0; i < t->count; i++)
			ours |= t->steps[i].knob == k;
		if (ours || !ksm_knob_writable(k) || before->v[id].err ||
		    after.v[id].err ||
		    ksm_value_equal(k, &before->v[id], &after.v[id]))
			continue;
		if (quiet)
			continue;
		printf("%s: %s -> %s (changed by the kernel)\n", k->name,
		       format_value(k, &before->v[id], from, sizeof(from)),
		       format_value(k, &after.v[id], to, sizeof(to)));
	}
}

static int take_lock(struct ksm_ctx *ctx, struct ksm_lock *lock, bool no_wait)
{
	pid_t holder = 0;
	int err = ksm_lock_take(ctx->root, lock, false, &holder);

	if (err == -EWOULDBLOCK && !no_wait) {
		if (holder)
			ksm_warn("waiting for ksmctl (pid %ld) to finish its change...",
				 (long)holder);
		else
			ksm_warn("waiting for another ksmctl to finish its change...");
		err = ksm_lock_take(ctx->root, lock, true, NULL);
	}
	if (err == -EWOULDBLOCK) {
		ksm_err("%s: another ksmctl (pid %ld) is changing KSM settings; try again, or drop --no-wait",
			KSM_LOCK_PATH, (long)holder);
		return EXIT_FAIL;
	}
	if (err) {
		ksm_err("%s: cannot take the lock: %s%s", KSM_LOCK_PATH,
			strerror(-err), ksm_write_hint(err));
		return EXIT_FAIL;
	}
	return 0;
}

static int plan_refusal_status(int err)
{
	return err == -ENOENT ? EXIT_UNAVAILABLE : EXIT_FAIL;
}

int ksm_run_txn(struct ksm_ctx *ctx, struct ksm_txn *t,
		const struct ksm_txn_opts *opts)
{
	const struct ksm_knob *culprit = NULL;
	struct ksm_refusal why = { "" };
	struct ksm_sample before;
	struct ksm_lock lock = { -1 };
	int err, status;

	/* Lock before reading: the plan must see the state it changes. */
	if (!opts->dry_run) {
		status = take_lock(ctx, &lock, opts->no_wait);
		if (status)
			return status;
	}
	status = ksm_ctx_sample(ctx, &before);
	if (status)
		goto out;
	err = ksm_txn_plan(t, ctx->root, &before, &why, &culprit);
	if (err) {
		ksm_err("%s: %s%s", culprit ? culprit->name : "?", why.why,
			err == -EACCES || err == -EROFS || err == -EPERM ?
			ksm_write_hint(err) : "");
		if (t->count > 1)
			ksm_err("nothing was changed");
		status = plan_refusal_status(err);
		goto out;
	}
	if (opts->dry_run) {
		print_plan(t, true);
		goto out;
	}
	err = ksm_txn_apply(t, ctx->root);
	if (err) {
		report_failure(t);
		status = EXIT_FAIL;
		goto out;
	}
	if (!opts->quiet)
		print_plan(t, false);
	report_side_effects(ctx, t, &before, opts->quiet);
out:
	ksm_lock_release(&lock);
	return status;
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
