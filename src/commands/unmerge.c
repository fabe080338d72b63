// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl unmerge-all: run=2 through the one change path (lib/change.c),
 * which checks the memory first and writes from a child process.
 */
#include "../ksmctl.h"
#include "../report.h"

static const struct option unmerge_opts[] = {
	{ "force", no_argument, NULL, 'f' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "restart", no_argument, NULL, 'r' },
	{ "no-wait", no_argument, NULL, 'W' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int unmerge_all_run(struct ksm_ctx *ctx, int argc, char **argv);

const struct ksm_command cmd_unmerge_all = {
	.name = "unmerge-all",
	.summary = "break every KSM page up again (run=2), memory checked first",
	.usage =
		"Usage: ksmctl unmerge-all [options]\n"
		"\n"
		"Unmerge every KSM page (run=2) when the memory it needs is there:\n"
		"one page for every sharing mapping, (pages_sharing + ksm_zero_pages)\n"
		"x page size, must fit in MemAvailable with 5% of RAM (at least\n"
		"128M) to spare; free swap is shown but not counted.  The write runs\n"
		"in a child process, so an OOM kill takes the child, and progress is\n"
		"shown on a terminal.  Ctrl-C stops the kernel's unmerge; ksmctl then\n"
		"reports what is still merged.  Afterwards ksmd is stopped.\n"
		"\n"
		"Options:\n"
		"  -f, --force     unmerge even when the memory check fails\n"
		"  -n, --dry-run   print the estimate and the verdict only\n"
		"  -q, --quiet     no progress and no summary\n"
		"  -r, --restart   start ksmd again afterwards (run=1)\n"
		"      --no-wait   fail at once if another ksmctl is writing\n"
		"  -h, --help      display this help\n"
		"\n"
		"Exit status: 0 unmerged (or, with --dry-run, it would be), 1 refused,\n"
		"interrupted or failed.\n",
	.shortopts = "fnqrh",
	.longopts = unmerge_opts,
	.run = unmerge_all_run,
};

static int unmerge_all_run(struct ksm_ctx *ctx, int argc, char **argv)
{
	struct ksm_txn_opts opts = { .unmerge_all = true };
	struct ksm_refusal why;
	bool restart = false;
	struct ksm_txn t;
	int c;

	while ((c = ksm_getopt(&cmd_unmerge_all, argc, argv)) != -1) {
		if (c == 'r')
			restart = true;
		else if (ksm_txn_getopt(&cmd_unmerge_all, c, &opts) != 1)
			return EXIT_USAGE;
	}
	if (optind < argc)
		return ksm_usage_error(&cmd_unmerge_all, "unexpected argument '%s'",
				       ksm_shown(argv[optind]));
	ksm_txn_init(&t, 0);
	/* after the unmerge: ksmd runs again */
	if (restart)
		ksm_txn_add(&t, "run", "1", &why);
	return ksm_change_cli(ctx, &t, &opts);
}
