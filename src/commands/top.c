// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl top (also installed as ksmtop): options, batch frames, and the
 * wiring: the live state (refreshes, the keys' actions) is
 * src/toplive.c, the frames src/lib/topframe.c, the screen src/top.c.
 */
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../ksmctl.h"
#include "../lib/escape.h"
#include "../lib/parse.h"
#include "../top.h"

#define DEFAULT_DELAY_MS 2000

extern const struct ksm_command cmd_top;

static const struct option top_longopts[] = {
	{ "delay", required_argument, NULL, 'd' },
	{ "iterations", required_argument, NULL, 'n' },
	{ "batch", no_argument, NULL, 'b' },
	{ "group-by", required_argument, NULL, 'g' },
	{ "sort", required_argument, NULL, 'S' },
	{ "pid", required_argument, NULL, 'p' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int top_run(struct ksm_ctx *ctx, int argc, char **argv);

const struct ksm_command cmd_top = {
	.name = "top",
	.summary = "live view: counters, rates, ksmd CPU, processes",
	.usage =
		"Usage: ksmctl top [options] [PID...]\n"
		"       ksmtop [--sysroot DIR] [options] [PID...]\n"
		"\n"
		"A live view of KSM: run state and scan settings, memory saved and\n"
		"general_profit with their history, merge and scan rates, the length of\n"
		"the last full scan, ksmd's own CPU use, the findings of 'ksmctl status',\n"
		"and the processes KSM works for (or their cgroups, units, VMs, users or\n"
		"commands), as 'ksmctl ps' shows them.  Keys start and stop ksmd, change\n"
		"pages_to_scan and unmerge everything, each after a confirmation, with\n"
		"the checks and the lock of 'ksmctl set' and 'ksmctl unmerge-all'.\n"
		"\n"
		"Options:\n"
		"  -d, --delay SECONDS     time between refreshes (default 2, fractions allowed)\n"
		"  -n, --iterations N      stop after N refreshes\n"
		"  -b, --batch             print plain text frames, no terminal needed\n"
		"  -g, --group-by KEY      one row per cgroup, unit, vm, user or comm\n"
		"      --sort COL          sort by COL (default PROFIT): PID USER COMM MERGING\n"
		"                          ZERO RMAP PROFIT SHARE VERDICT UNIT VM CGROUP;\n"
		"                          grouped: the key, PROCS and the figures\n"
		"  -p, --pid PID[,PID...]  only these processes (PIDs may also follow the options)\n"
		"  -h, --help              display this help\n"
		"\n"
		"Keys:\n"
		"  q          quit                     h, ?       help\n"
		"  arrows     move the selection       PgUp PgDn  a page up or down\n"
		"  Enter      the selected process in detail: its ksm_stat, mergeable\n"
		"             areas, unit, VM, cgroup and verdict (on a group: its processes)\n"
		"  /          filter by name (command, user, unit, VM or cgroup); Esc clears\n"
		"  s, >       sort by the next column  <          sort by the previous one\n"
		"  g          next grouping            p          pause / resume\n"
		"  space      refresh now              d          change the delay\n"
		"  r          start / stop ksmd        + -        raise / lower pages_to_scan\n"
		"  u          unmerge everything (memory checked first, as unmerge-all)\n"
		"\n"
		"Every view is laid out for the terminal's width: the default columns\n"
		"of 'ksmctl ps' first, ZERO, RMAP, VM and CGROUP as room allows, long\n"
		"names cut with an ellipsis; batch frames have every column.\n"
		"\n"
		"A refresh reads the processes that use KSM.  The others are looked at\n"
		"again in turns, each within a minute, and new ones are looked for every\n"
		"10 seconds; space reads them all at once.  So a refresh costs little\n"
		"even with many thousands of processes.\n",
	.shortopts = "d:n:bg:p:h",
	.longopts = top_longopts,
	.run = top_run,
};

/* ---- options ---------------------------------------------------------- */

static int add_pid(struct top_opts *o, const char *word, size_t len)
{
	char num[32], shown[128];
	unsigned long long v;

	if (len && len < sizeof(num)) {
		memcpy(num, word, len);
		num[len] = '\0';
	} else {
		num[0] = '\0';
	}
	if (!num[0] || num[0] == '+' || strchr(num, '\n') || kstrtoull10(num, &v) ||
	    v == 0 || v > INT_MAX) {
		snprintf(num, sizeof(num), "%.*s", (int)(len < 31 ? len : 31), word);
		ksm_escape(num, shown, sizeof(shown));
		return ksm_usage_error(&cmd_top, "--pid: invalid process id '%s'", shown);
	}
	if (o->npids == o->pids_cap) {
		size_t cap = o->pids_cap ? o->pids_cap * 2 : 16;
		int *pids = realloc(o->pids, cap * sizeof(*pids));

		if (!pids) {
			ksm_err("--pid: %s", strerror(ENOMEM));
			return EXIT_FAIL;
		}
		o->pids = pids;
		o->pids_cap = cap;
	}
	o->pids[o->npids++] = (int)v;
	return 0;
}

/* "1,2,3" */
static int add_pids(struct top_opts *o, const char *list)
{
	const char *p = list;
	int status;

	do {
		size_t len = strcspn(p, ",");

		status = add_pid(o, p, len);
		p += len;
	} while (!status && *p++ == ',');
	return status;
}

static int parse_args(struct top_opts *o, int argc, char **argv)
{
	unsigned long long n;
	char shown[128];
	int c, status;

	while ((c = ksm_getopt(&cmd_top, argc, argv)) != -1) {
		switch (c) {
		case 'd':
			if (ksm_parse_seconds(&cmd_top, "--delay", optarg, &o->delay_ms))
				return EXIT_USAGE;
			break;
		case 'n':
			if (ksm_parse_option_ull(&cmd_top, "--iterations", optarg,
						 UINT_MAX, &n))
				return EXIT_USAGE;
			if (!n)
				return ksm_usage_error(&cmd_top, "--iterations: invalid value '0': expected at least 1");
			o->iterations = n;
			break;
		case 'b':
			o->batch = true;
			break;
		case 'g':
			o->by = ksm_group_by_parse(optarg);
			if (o->by == KSM_BY_NONE) {
				ksm_escape(optarg, shown, sizeof(shown));
				return ksm_usage_error(&cmd_top, "--group-by: unknown key '%s': expected cgroup, unit, vm, user or comm",
						       shown);
			}
			break;
		case 'S':
			o->sort_name = optarg;
			break;
		case 'p':
			status = add_pids(o, optarg);
			if (status)
				return status;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	for (int i = optind; i < argc; i++) {
		status = add_pids(o, argv[i]);
		if (status)
			return status;
	}
	return EXIT_OK;
}

static int setup_view(struct top *t)
{
	enum ksm_pcol col = KSM_PCOL_PROFIT;
	char shown[128];
	int err;

	if (t->o.sort_name) {
		err = ksm_view_parse_sort(t->o.sort_name, t->o.by, &col);
		if (err) {
			ksm_escape(t->o.sort_name, shown, sizeof(shown));
			return ksm_usage_error(&cmd_top, "--sort: %s column '%s'",
					       err == -ENOENT ? "unknown" : "unavailable",
					       shown);
		}
	}
	t->view.sort = col;
	t->view.by = t->o.by;
	t->view.delay = (double)t->o.delay_ms / 1000;
	return 0;
}

/* ---- batch ------------------------------------------------------------ */

static void print_frame(const struct ksm_frame *f, unsigned long long n)
{
	if (n > 1)
		putchar('\n');
	printf("--- frame %llu ---\n", n);
	for (int i = 0; i < f->nhead; i++)
		printf("%s\n", f->head[i].text);
	printf("\n%s\n%s\n", f->summary, f->headings);
	for (size_t i = 0; i < f->nrows; i++)
		printf("%s\n", ksm_frame_row(f, i));
}

/* Sleep ms, or less when a quit signal came (nanosleep is never restarted). */
static void sleep_ms(long ms)
{
	struct timespec left = { ms / 1000, (ms % 1000) * 1000000L };

	while (!ksm_stop && nanosleep(&left, &left) < 0 && errno == EINTR)
		;
}

static void on_quit_signal(int sig)
{
	(void)sig;
	ksm_stop = 1;
}

/*
 * SIGINT, SIGTERM and SIGHUP end --batch as --iterations does: after the
 * frame being printed, exit 0.  SA_RESTART: a frame's write to a slow
 * pipe goes on; only the sleep between frames is cut short.
 */
static void batch_catch_signals(void)
{
	static const int quit[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_quit_signal,
				.sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	ksm_stop = 0;
	for (size_t i = 0; i < sizeof(quit) / sizeof(quit[0]); i++)
		sigaction(quit[i], &sa, NULL);
}

static int batch(struct top *t, bool utf8)
{
	struct ksm_frame_input in;
	struct ksm_frame *f = malloc(sizeof(*f));
	int status = EXIT_OK, err;

	if (!f) {
		ksm_err("top: %s", strerror(ENOMEM));
		return EXIT_FAIL;
	}
	batch_catch_signals();
	for (unsigned long long n = 1; ; n++) {
		top_frame_input(t, utf8, 0, 0, &in);
		err = ksm_frame_compute(&in, f);
		if (err) {
			ksm_err("top: cannot compute the frame: %s", strerror(-err));
			status = EXIT_FAIL;
			break;
		}
		print_frame(f, n);
		ksm_frame_free(f);
		/* a closed pipe or a full disk ends it; exit says why */
		if (fflush(stdout) || ferror(stdout))
			break;
		if (ksm_stop || (t->o.iterations && n >= t->o.iterations))
			break;
		sleep_ms(t->o.delay_ms);
		if (ksm_stop)
			break;
		status = top_refresh(t);
		if (status) {
			ksm_err("%s", top_error());
			break;
		}
	}
	free(f);
	return status;
}

/* ---- the command -------------------------------------------------------- */

static int top_run(struct ksm_ctx *ctx, int argc, char **argv)
{
	struct top *t = calloc(1, sizeof(*t));
	int status;

	if (!t) {
		ksm_err("top: %s", strerror(ENOMEM));
		return EXIT_FAIL;
	}
	t->o.delay_ms = DEFAULT_DELAY_MS;
	/* UTF-8 names as they are, and the block sparkline */
	setlocale(LC_CTYPE, "");
	status = parse_args(&t->o, argc, argv);
	if (!status)
		status = setup_view(t);
	if (!status && !t->o.batch &&
	    (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		ksm_err("top: standard input and output must be a terminal: use --batch for plain text");
		status = EXIT_FAIL;
	}
	if (!status) {
		top_live_init(t, ctx);
		status = top_refresh(t);
	}
	if (!status && !t->o.batch && !top_screen_possible()) {
		const char *term = getenv("TERM");

		/* a dumb terminal still gets the view, as plain frames */
		ksm_warn("top: the terminal (TERM=%s) cannot place the cursor: printing plain frames, as --batch does",
			 term ? term : "unset");
		t->o.batch = true;
	}
	if (!status)
		status = t->o.batch ? batch(t, top_utf8_locale()) : top_screen(t);
	top_live_free(t);
	free(t->o.pids);
	free(t);
	return status;
}
