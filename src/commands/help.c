// SPDX-License-Identifier: GPL-2.0-or-later
/* ksmctl help [COMMAND]: the same text as COMMAND --help. */
#include <string.h>

#include "../ksmctl.h"
#include "../lib/escape.h"

static const struct option help_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int help_run(struct ksm_ctx *ctx, int argc, char **argv);

const struct ksm_command cmd_help = {
	.name = "help",
	.summary = "show help for a command",
	.usage =
		"Usage: ksmctl help [COMMAND]\n"
		"\n"
		"Show the help of COMMAND, or the list of commands.\n"
		"\n"
		"Options:\n"
		"  -h, --help   display this help\n",
	.shortopts = "h",
	.longopts = help_opts,
	.run = help_run,
};

static int help_run(struct ksm_ctx *ctx, int argc, char **argv)
{
	const struct ksm_command *cmd;
	char shown[128];
	int c;

	(void)ctx;
	while ((c = ksm_getopt(&cmd_help, argc, argv)) != -1)
		return EXIT_USAGE;
	if (optind >= argc) {
		printf("Commands:\n");
		for (int i = 0; ksm_commands[i]; i++)
			printf("  %-12s %s\n", ksm_commands[i]->name,
			       ksm_commands[i]->summary);
		printf("\nSee 'ksmctl help COMMAND' for the options of one.\n");
		return EXIT_OK;
	}
	cmd = ksm_command_find(argv[optind]);
	if (!cmd) {
		ksm_escape(argv[optind], shown, sizeof(shown));
		return ksm_usage_error(NULL, "unknown command '%s'", shown);
	}
	ksm_print_help(cmd, stdout);
	return EXIT_OK;
}
