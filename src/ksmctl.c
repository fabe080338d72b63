// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl: control and observe Kernel Samepage Merging.
 *
 * Global options, the command table and dispatch.  A hidden "__list"
 * command prints the command table for the completion and man page
 * tests, as git's --list-cmds does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksmctl.h"

#ifndef KSMCTL_VERSION
#define KSMCTL_VERSION "0.1"
#endif

extern const struct ksm_command cmd_status, cmd_get, cmd_set, cmd_start,
	cmd_stop, cmd_unmerge_all, cmd_ps, cmd_export, cmd_tune, cmd_governor,
	cmd_apply, cmd_save, cmd_exec, cmd_top, cmd_help;

const struct ksm_command *const ksm_commands[] = {
	&cmd_status, &cmd_get, &cmd_set, &cmd_start, &cmd_stop,
	&cmd_unmerge_all, &cmd_ps, &cmd_export, &cmd_tune, &cmd_governor,
	&cmd_apply, &cmd_save, &cmd_exec, &cmd_top, &cmd_help,
	NULL,
};

const struct ksm_command *ksm_command_find(const char *name)
{
	for (int i = 0; ksm_commands[i]; i++)
		if (!strcmp(ksm_commands[i]->name, name))
			return ksm_commands[i];
	return NULL;
}

static void main_usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROGRAM " [--sysroot DIR] COMMAND [OPTIONS] [ARGS]\n"
		"\n"
		"Control and observe Kernel Samepage Merging (KSM).\n"
		"\n"
		"Commands:\n");
	for (int i = 0; ksm_commands[i]; i++)
		fprintf(out, "  %-12s %s\n", ksm_commands[i]->name,
			ksm_commands[i]->summary);
	fprintf(out,
		"\n"
		"Options:\n"
		"      --sysroot DIR  read and write the kernel files below DIR instead of /\n"
		"  -h, --help         display this help\n"
		"  -V, --version      display version\n"
		"\n"
		"Without a command, " PROGRAM " runs 'status'.\n"
		"See '" PROGRAM " help COMMAND' and ksmctl(8) for more.\n");
}

static void list_options(const struct ksm_command *cmd)
{
	for (const struct option *o = cmd->longopts; o && o->name; o++)
		printf("--%s\n", o->name);
	for (const char *c = cmd->shortopts; *c; c++)
		if (*c != ':' && *c != '+' && *c != '-')
			printf("-%c\n", *c);
}

/* The options of cmd that take an argument ("--pages-to-scan", "-p"). */
static void list_arg_options(const struct ksm_command *cmd)
{
	for (const struct option *o = cmd->longopts; o && o->name; o++)
		if (o->has_arg != no_argument)
			printf("--%s\n", o->name);
	for (const char *c = cmd->shortopts; *c; c++)
		if (*c != ':' && *c != '+' && *c != '-' && c[1] == ':')
			printf("-%c\n", *c);
}

/*
 * A value the completions offer for knob k: one that set takes (the
 * table's names, which leave out run 2: unmerge-all does it), and, with a
 * sample s of this kernel, one this kernel has (advisor_mode cpu needs the
 * ksmctl kernel patches).
 */
static bool value_offered(const struct ksm_knob *k, int i,
			  const struct ksm_sample *s)
{
	return !(s && k == &ksm_knobs[KSM_ADVISOR_MODE] && i == 2 &&
		 !ksm_has(s, KSM_ADVISOR_TARGET_CPU));
}

/*
 * The completions' view of this kernel (--sysroot): its knobs, writable
 * knobs, and values.  No KSM at all: nothing, exit 0; a root that cannot
 * be read: exit 1 (the completions then fall back to their own lists).
 */
static int list_here(const char *what, const char *knob, const char *sysroot)
{
	struct ksm_sample *s = malloc(sizeof(*s));
	struct ksm_root *root = NULL;
	const struct ksm_knob *k = NULL;
	int err;

	if (!strcmp(what, "values-here") && !(k = ksm_knob_find(knob ? knob : ""))) {
		free(s);
		return EXIT_USAGE;
	}
	if (!s || ksm_root_open(&root, sysroot)) {
		free(s);
		return EXIT_FAIL;
	}
	err = ksm_sample_read(root, s);
	ksm_root_close(root);
	if (err) {
		free(s);
		return err == -ENOENT ? EXIT_OK : EXIT_FAIL;
	}
	for (int i = 0; i < KSM_KNOB_COUNT && !k; i++) {
		if (s->v[i].err == -ENOENT)
			continue;
		if (!strcmp(what, "knobs-here") || ksm_knob_writable(&ksm_knobs[i]))
			printf("%s\n", ksm_knobs[i].name);
	}
	for (int i = 0; k && k->value_help && k->value_help[i]; i++)
		if (s->v[ksm_knob_id(k)].err != -ENOENT && value_offered(k, i, s))
			printf("%s\n", k->value_help[i]);
	free(s);
	return EXIT_OK;
}

/* For tests and completion checks: the command table as plain lines. */
static int list(int argc, char **argv, const char *sysroot)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (!strcmp(what, "commands")) {
		for (int i = 0; ksm_commands[i]; i++)
			printf("%s\n", ksm_commands[i]->name);
	} else if (!strcmp(what, "options") && argc > 2) {
		const struct ksm_command *cmd = ksm_command_find(argv[2]);

		if (!cmd)
			return EXIT_USAGE;
		list_options(cmd);
	} else if (!strcmp(what, "arg-options") && argc > 2) {
		const struct ksm_command *cmd = ksm_command_find(argv[2]);

		if (!cmd)
			return EXIT_USAGE;
		list_arg_options(cmd);
	} else if (!strcmp(what, "global-options")) {
		printf("--sysroot\n--help\n--version\n-h\n-V\n");
	} else if (!strcmp(what, "knobs")) {
		for (int i = 0; i < KSM_KNOB_COUNT; i++)
			printf("%s\n", ksm_knobs[i].name);
	} else if (!strcmp(what, "writable-knobs")) {
		for (int i = 0; i < KSM_KNOB_COUNT; i++)
			if (ksm_knob_writable(&ksm_knobs[i]))
				printf("%s\n", ksm_knobs[i].name);
	} else if (!strcmp(what, "values") && argc > 2) {
		const struct ksm_knob *k = ksm_knob_find(argv[2]);

		if (!k)
			return EXIT_USAGE;
		for (int i = 0; k->value_help && k->value_help[i]; i++)
			if (value_offered(k, i, NULL))
				printf("%s\n", k->value_help[i]);
	} else if (!strcmp(what, "knobs-here") ||
		   !strcmp(what, "writable-knobs-here") ||
		   (!strcmp(what, "values-here") && argc > 2)) {
		return list_here(what, argc > 2 ? argv[2] : NULL, sysroot);
	} else {
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int run_command(const struct ksm_command *cmd, const char *sysroot,
		       int argc, char **argv)
{
	struct ksm_ctx ctx = { .sysroot = sysroot };
	int err, status;

	/* help needs no kernel */
	if (cmd->run != NULL && strcmp(cmd->name, "help")) {
		err = ksm_root_open(&ctx.root, sysroot);
		if (err) {
			ksm_err("%s: cannot open the system root: %s", ksm_shown(sysroot),
				strerror(-err));
			return EXIT_FAIL;
		}
	}
	/* 0, not 1: glibc then forgets the "+" (stop at the command) of main */
	optind = 0;
	status = cmd->run(&ctx, argc, argv);
	ksm_root_close(ctx.root);
	return status;
}

/*
 * Installed as ksmtop too (a symlink): "ksmtop [--sysroot DIR] ARGS" is
 * "ksmctl [--sysroot DIR] top ARGS".
 */
static int ksmtop_main(int argc, char **argv)
{
	static char top_name[] = "top";
	const char *sysroot = "/";
	int i = 1;

	if (i < argc && !strncmp(argv[i], "--sysroot=", 10)) {
		sysroot = argv[i++] + 10;
	} else if (i < argc && !strcmp(argv[i], "--sysroot")) {
		if (i + 1 >= argc)
			return ksm_usage_error(NULL, "option '--sysroot' requires an argument");
		sysroot = argv[i + 1];
		i += 2;
	}
	/* the slot before top's arguments becomes the command's name */
	argv[i - 1] = top_name;
	return run_command(&cmd_top, sysroot, argc - i + 1, argv + i - 1);
}

static bool called_as(const char *argv0, const char *name)
{
	const char *base = argv0 ? strrchr(argv0, '/') : NULL;

	return argv0 && !strcmp(base ? base + 1 : argv0, name);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sysroot", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sysroot = "/";
	const struct ksm_command *cmd;
	int c;

	if (called_as(argv[0], "ksmtop"))
		return ksm_close_stdout(ksmtop_main(argc, argv));
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			sysroot = optarg;
			break;
		case 'h':
			main_usage(stdout);
			return ksm_close_stdout(EXIT_OK);
		case 'V':
			printf(PROGRAM " " KSMCTL_VERSION "\n");
			return ksm_close_stdout(EXIT_OK);
		default:
			if (optopt == 'S' || (optind > 0 && argv[optind - 1] &&
					      !strcmp(argv[optind - 1], "--sysroot")))
				return ksm_usage_error(NULL, "option '--sysroot' requires an argument");
			return ksm_usage_error(NULL, "unrecognized option '%s'",
					       ksm_shown(argv[optind - 1]));
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0 && !strcmp(argv[0], "__list"))
		return ksm_close_stdout(list(argc, argv, sysroot));
	cmd = ksm_command_find(argc > 0 ? argv[0] : "status");
	if (!cmd)
		return ksm_usage_error(NULL, "unknown command '%s'", ksm_shown(argv[0]));
	if (argc == 0) {
		static char *status_argv[] = { "status", NULL };

		return ksm_close_stdout(run_command(cmd, sysroot, 1, status_argv));
	}
	return ksm_close_stdout(run_command(cmd, sysroot, argc, argv));
}
