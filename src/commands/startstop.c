// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl start / stop: drop-in for the Debian/RHEL ksmctl that ksm.service
 * runs, on top of the same transactions as set.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "../ksmctl.h"
#include "../report.h"
#include "../lib/envfile.h"
#include "../lib/escape.h"

/* Where ksm.service's EnvironmentFile lives on Debian and on RHEL. */
static const char *const ksm_env_files[] = {
	"etc/default/ksm",
	"etc/sysconfig/ksm",
	NULL,
};

/*
 * KSM_MAX_KERNEL_PAGES as the old ksmctl saw it: from the environment
 * (systemd's EnvironmentFile), else from the files themselves.
 */
static int max_kernel_pages_setting(struct ksm_ctx *ctx, char *value,
				    size_t size, char *origin, size_t osize)
{
	const char *env = getenv("KSM_MAX_KERNEL_PAGES");

	if (env) {
		snprintf(value, size, "%s", env);
		snprintf(origin, osize, "the environment");
		return 0;
	}
	for (int i = 0; ksm_env_files[i]; i++) {
		char text[16384];
		int bad = 0, err;

		if (ksm_root_read(ctx->root, ksm_env_files[i], text, sizeof(text)))
			continue;
		err = ksm_envfile_get(text, "KSM_MAX_KERNEL_PAGES", value, size, &bad);
		if (err == -EINVAL) {
			ksm_warn("/%s:%d: not a KEY=VALUE line; ignoring the file",
				 ksm_env_files[i], bad);
			continue;
		}
		if (!err) {
			snprintf(origin, osize, "/%s", ksm_env_files[i]);
			return 0;
		}
	}
	return -ENOENT;
}

static int add_max_kernel_pages(struct ksm_ctx *ctx, struct ksm_txn *t,
				const struct ksm_sample *s)
{
	struct ksm_refusal why = { "" };
	char value[64], origin[64], shown[96];

	if (max_kernel_pages_setting(ctx, value, sizeof(value), origin,
				     sizeof(origin)) || !value[0])
		return 0;
	ksm_escape(value, shown, sizeof(shown));
	if (!ksm_has(s, KSM_MAX_KERNEL_PAGES)) {
		ksm_warn("KSM_MAX_KERNEL_PAGES=%s (from %s) is ignored: max_kernel_pages existed only in Linux 2.6.32, KSM pages are swappable since 2.6.33",
			 shown, origin);
		return 0;
	}
	if (ksm_txn_add(t, "max_kernel_pages", value, &why)) {
		ksm_err("KSM_MAX_KERNEL_PAGES (from %s): %s", origin, why.why);
		return EXIT_FAIL;
	}
	return 0;
}

static const struct option start_opts[] = {
	{ "pages-to-scan", required_argument, NULL, 'p' },
	{ "sleep-millisecs", required_argument, NULL, 's' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "no-wait", no_argument, NULL, 'W' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int start_run(struct ksm_ctx *ctx, int argc, char **argv);

const struct ksm_command cmd_start = {
	.name = "start",
	.summary = "start ksmd (run=1), as ksm.service does",
	.usage =
		"Usage: ksmctl start [options]\n"
		"\n"
		"Start ksmd (run=1), optionally with new scanning settings, in one\n"
		"transaction.  A drop-in for the ksmctl that ksm.service runs: reads\n"
		"KSM_MAX_KERNEL_PAGES from the environment, /etc/default/ksm or\n"
		"/etc/sysconfig/ksm, and explains that the knob no longer exists.\n"
		"\n"
		"Options:\n"
		"  -p, --pages-to-scan N       set pages_to_scan too\n"
		"  -s, --sleep-millisecs MS    set sleep_millisecs too\n"
		"  -n, --dry-run               check and show, write nothing\n"
		"  -q, --quiet                 print nothing on success\n"
		"      --no-wait               fail at once if another ksmctl is writing\n"
		"  -h, --help                  display this help\n",
	.shortopts = "p:s:nqh",
	.longopts = start_opts,
	.run = start_run,
};

static int parse_common(const struct ksm_command *cmd, int c,
			struct ksm_txn_opts *opts)
{
	switch (c) {
	case 'n':
		opts->dry_run = true;
		return 0;
	case 'q':
		opts->quiet = true;
		return 0;
	case 'W':
		opts->no_wait = true;
		return 0;
	default:
		(void)cmd;
		return EXIT_USAGE;
	}
}

static int start_run(struct ksm_ctx *ctx, int argc, char **argv)
{
	struct ksm_txn_opts opts = { 0 };
	const char *pages = NULL, *sleep = NULL;
	struct ksm_refusal why = { "" };
	struct ksm_sample s;
	struct ksm_txn t;
	int c, status;

	while ((c = ksm_getopt(&cmd_start, argc, argv)) != -1) {
		if (c == 'p')
			pages = optarg;
		else if (c == 's')
			sleep = optarg;
		else if (parse_common(&cmd_start, c, &opts))
			return EXIT_USAGE;
	}
	if (optind < argc)
		return ksm_usage_error(&cmd_start, "unexpected argument '%s'",
				       ksm_shown(argv[optind]));
	status = ksm_ctx_sample(ctx, &s);
	if (status)
		return status;
	ksm_txn_init(&t, 0);
	/* a value the option cannot take is a usage error, as in every command */
	if (pages && ksm_txn_add(&t, "pages_to_scan", pages, &why))
		return ksm_usage_error(&cmd_start, "--pages-to-scan: %s", why.why);
	if (sleep && ksm_txn_add(&t, "sleep_millisecs", sleep, &why))
		return ksm_usage_error(&cmd_start, "--sleep-millisecs: %s", why.why);
	status = add_max_kernel_pages(ctx, &t, &s);
	if (status)
		return status;
	ksm_txn_add(&t, "run", "1", &why);
	return ksm_change_cli(ctx, &t, &opts);
}

static const struct option stop_opts[] = {
	{ "unmerge", no_argument, NULL, 'U' },
	{ "force", no_argument, NULL, 'f' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "no-wait", no_argument, NULL, 'W' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int stop_run(struct ksm_ctx *ctx, int argc, char **argv);

const struct ksm_command cmd_stop = {
	.name = "stop",
	.summary = "stop ksmd (run=0); merged pages stay merged",
	.usage =
		"Usage: ksmctl stop [options]\n"
		"\n"
		"Stop ksmd (run=0).  Pages merged so far stay merged; 'ksmctl\n"
		"unmerge-all' (or --unmerge) breaks them up.\n"
		"\n"
		"Options:\n"
		"      --unmerge   stop and unmerge everything: 'ksmctl unmerge-all'\n"
		"  -f, --force     with --unmerge: skip the memory check\n"
		"  -n, --dry-run   check and show, write nothing\n"
		"  -q, --quiet     print nothing on success\n"
		"      --no-wait   fail at once if another ksmctl is writing\n"
		"  -h, --help      display this help\n",
	.shortopts = "fnqh",
	.longopts = stop_opts,
	.run = stop_run,
};

static int stop_run(struct ksm_ctx *ctx, int argc, char **argv)
{
	struct ksm_txn_opts opts = { 0 };
	struct ksm_refusal why = { "" };
	struct ksm_txn t;
	int c;

	while ((c = ksm_getopt(&cmd_stop, argc, argv)) != -1) {
		if (c == 'U')
			opts.unmerge = true;
		else if (c == 'f')
			opts.force = true;
		else if (parse_common(&cmd_stop, c, &opts))
			return EXIT_USAGE;
	}
	if (optind < argc)
		return ksm_usage_error(&cmd_stop, "unexpected argument '%s'",
				       ksm_shown(argv[optind]));
	if (opts.force && !opts.unmerge)
		return ksm_usage_error(&cmd_stop, "--force goes with --unmerge");
	ksm_txn_init(&t, 0);
	/* --unmerge: the unmerge leaves ksmd stopped, as unmerge-all does */
	opts.unmerge_all = opts.unmerge;
	opts.unmerge = false;
	if (!opts.unmerge_all)
		ksm_txn_add(&t, "run", "0", &why);
	return ksm_change_cli(ctx, &t, &opts);
}
