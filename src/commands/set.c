// SPDX-License-Identifier: GPL-2.0-or-later
/* ksmctl set: change knobs, all or nothing, in an order that is valid. */
#include <errno.h>
#include <string.h>

#include "../ksmctl.h"
#include "../report.h"
#include "../lib/escape.h"

static const struct option set_opts[] = {
	{ "dry-run", no_argument, NULL, 'n' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "no-wait", no_argument, NULL, 'W' },
	{ "unmerge", no_argument, NULL, 'U' },
	{ "force", no_argument, NULL, 'f' },
	{ "timeout", required_argument, NULL, 'T' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int set_run(struct ksm_ctx *ctx, int argc, char **argv);

const struct ksm_command cmd_set = {
	.name = "set",
	.summary = "change knobs, checked first, all or nothing",
	.usage =
		"Usage: ksmctl set [options] KNOB VALUE [KNOB VALUE...]\n"
		"       ksmctl set [options] KNOB=VALUE [KNOB=VALUE...]\n"
		"\n"
		"Check every value against the kernel's rules and the current state,\n"
		"then write them in an order that is valid at every step, read each\n"
		"back, and restore what was written if any write fails.\n"
		"use_zero_pages and smart_scan take 0/1, no/yes, off/on or\n"
		"false/true; merge_across_nodes takes 0 or 1, as the kernel does.\n"
		"\n"
		"merge_across_nodes and max_page_sharing can only change while no\n"
		"page is merged: with --unmerge, ksmctl checks every other value,\n"
		"unmerges (with the memory check of unmerge-all), waits for the\n"
		"stable tree to drain, writes, and restores run as it was.\n"
		"\n"
		"Options:\n"
		"  -n, --dry-run       check and show the changes, write nothing\n"
		"  -q, --quiet         print nothing on success\n"
		"      --unmerge       unmerge first where a change needs it\n"
		"  -f, --force         with --unmerge: skip the memory check\n"
		"      --timeout SECS  with --unmerge: wait this long for the stable\n"
		"                      tree to drain (default 30)\n"
		"      --no-wait       fail at once if another ksmctl is changing settings\n"
		"  -h, --help          display this help\n",
	.shortopts = "nqfh",
	.longopts = set_opts,
	.run = set_run,
};

/*
 * Collect KNOB VALUE pairs (or KNOB=VALUE words) into the transaction,
 * reporting every refused value, not just the first.
 */
static int add_pairs(struct ksm_txn *t, int argc, char **argv)
{
	int status = 0;

	for (int i = 0; i < argc; i++) {
		struct ksm_refusal why = { "" };
		char name[64], shown[128];
		const char *value, *eq = strchr(argv[i], '=');
		int err;

		if (eq && (size_t)(eq - argv[i]) < sizeof(name)) {
			memcpy(name, argv[i], (size_t)(eq - argv[i]));
			name[eq - argv[i]] = '\0';
			value = eq + 1;
		} else if (i + 1 < argc && !eq) {
			snprintf(name, sizeof(name), "%s", argv[i]);
			value = argv[++i];
		} else {
			ksm_escape(argv[i], shown, sizeof(shown));
			return ksm_usage_error(&cmd_set, "%s: missing value", shown);
		}
		err = ksm_txn_add(t, name, value, &why);
		if (err == -ENOENT) {
			ksm_escape(name, shown, sizeof(shown));
			return ksm_usage_error(&cmd_set, "%s: unknown knob (see 'ksmctl get' for the list)",
					       shown);
		}
		if (err) {
			ksm_escape(name, shown, sizeof(shown));
			ksm_err("%s: %s", shown, why.why);
			status = EXIT_FAIL;
		}
	}
	if (status && argc > 2)
		ksm_err("nothing was changed");
	return status;
}

/*
 * getopt would read a value such as "-1" as an option (and permute it
 * away); mark such words so they stay values, and unmark them after.
 */
#define VALUE_MARK '\x01'

static void shield_negative_values(int argc, char **argv, bool shield)
{
	for (int i = 1; i < argc; i++) {
		char *w = argv[i];

		if (shield && w[0] == '-' && w[1] >= '0' && w[1] <= '9')
			w[0] = VALUE_MARK;
		else if (!shield && w[0] == VALUE_MARK)
			w[0] = '-';
	}
}

static int set_run(struct ksm_ctx *ctx, int argc, char **argv)
{
	struct ksm_txn_opts opts = { 0 };
	struct ksm_txn t;
	int c, status;

	shield_negative_values(argc, argv, true);
	while ((c = ksm_getopt(&cmd_set, argc, argv)) != -1)
		if (ksm_txn_getopt(&cmd_set, c, &opts) != 1)
			return EXIT_USAGE;
	shield_negative_values(argc, argv, false);
	if (optind >= argc)
		return ksm_usage_error(&cmd_set, "no knob given");
	if ((opts.force || opts.drain_timeout_ms) && !opts.unmerge)
		return ksm_usage_error(&cmd_set, "--force and --timeout go with --unmerge");
	ksm_txn_init(&t, 0);
	t.dirs = ksm_root_knob_dirs(ctx->root);	/* UKSM parses some stricter */
	status = add_pairs(&t, argc - optind, argv + optind);
	if (status)
		return status;
	return ksm_change_cli(ctx, &t, &opts);
}
