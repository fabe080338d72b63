// SPDX-License-Identifier: GPL-2.0-or-later
/* ksmctl set: change knobs, all or nothing, in an order that is valid. */
#include <errno.h>
#include <string.h>

#include "../ksmctl.h"
#include "../lib/escape.h"

static const struct option set_opts[] = {
	{ "dry-run", no_argument, NULL, 'n' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "no-wait", no_argument, NULL, 'W' },
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
		"Booleans take 0/1, no/yes, off/on or false/true.\n"
		"\n"
		"Options:\n"
		"  -n, --dry-run   check and show the changes, write nothing\n"
		"  -q, --quiet     print nothing on success\n"
		"      --no-wait   fail at once if another ksmctl is changing settings\n"
		"  -h, --help      display this help\n",
	.shortopts = "nqh",
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

static int set_run(struct ksm_ctx *ctx, int argc, char **argv)
{
	struct ksm_txn_opts opts = { 0 };
	struct ksm_txn t;
	int c, status;

	while ((c = ksm_getopt(&cmd_set, argc, argv)) != -1) {
		switch (c) {
		case 'n':
			opts.dry_run = true;
			break;
		case 'q':
			opts.quiet = true;
			break;
		case 'W':
			opts.no_wait = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return ksm_usage_error(&cmd_set, "no knob given");
	ksm_txn_init(&t, 0);
	status = add_pairs(&t, argc - optind, argv + optind);
	if (status)
		return status;
	return ksm_run_txn(ctx, &t, &opts);
}
