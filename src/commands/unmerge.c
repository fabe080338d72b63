// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl unmerge-all, and the unmerge that merge_across_nodes and
 * max_page_sharing need before they can change.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../ksmctl.h"
#include "../lib/units.h"
#include "../lib/unmerge.h"

#define DEFAULT_DRAIN_TIMEOUT_MS 30000
#define BAR_WIDTH 30

static void print_estimate(const struct ksm_unmerge_estimate *e,
			   const struct ksm_sample *s, FILE *out)
{
	char need[32], avail[32], margin[32], swap[32];

	ksm_format_size(e->need_bytes, need, sizeof(need));
	ksm_format_size(e->available_bytes, avail, sizeof(avail));
	ksm_format_size(e->margin_bytes, margin, sizeof(margin));
	ksm_format_size(e->swap_free_bytes, swap, sizeof(swap));
	if (!e->known) {
		fprintf(out, "unmerge needs about %s (%llu pages); MemAvailable is unknown\n",
			need, ksm_unmerge_remaining(s));
		return;
	}
	fprintf(out, "unmerge needs about %s (%llu pages); MemAvailable %s, %s kept free; free swap %s (not counted)\n",
		need, ksm_unmerge_remaining(s), avail, margin, swap);
}

struct progress {
	unsigned long long start;	/* pages to break when we began */
	bool shown;
};

static void show_progress(const struct ksm_sample *now, double elapsed,
			  void *data)
{
	struct progress *p = data;
	unsigned long long left = ksm_unmerge_remaining(now);
	unsigned long long done = p->start > left ? p->start - left : 0;
	int filled = p->start ? (int)(done * BAR_WIDTH / p->start) : BAR_WIDTH;
	char bar[BAR_WIDTH + 1];

	memset(bar, '#', (size_t)filled);
	memset(bar + filled, '.', (size_t)(BAR_WIDTH - filled));
	bar[BAR_WIDTH] = '\0';
	fprintf(stderr, "\runmerging: %llu pages still merged [%s] %3d%% %.1fs ",
		left, bar, filled * 100 / BAR_WIDTH, elapsed);
	p->shown = true;
}

/* What the system holds now, in one line, after something went wrong. */
static void report_state(struct ksm_ctx *ctx)
{
	struct ksm_sample now;
	char size[32];

	if (ksm_sample_read(ctx->root, &now)) {
		ksm_err("state: cannot read %s", KSM_SYSFS_DIR);
		return;
	}
	ksm_format_size(ksm_unmerge_remaining(&now) * (unsigned long long)now.page_size,
			size, sizeof(size));
	ksm_err("state: run reads %llu; %llu pages (%s) are still merged",
		ksm_u(&now, KSM_RUN), ksm_unmerge_remaining(&now), size);
}

/* Figures from the counters as they are now, not from the estimate. */
static int report_success(struct ksm_ctx *ctx,
			  const struct ksm_unmerge_result *r,
			  const struct ksm_sample *before, bool quiet)
{
	unsigned long long was = ksm_unmerge_remaining(before), left;
	struct ksm_sample now;
	char size[32];

	if (ksm_sample_read(ctx->root, &now)) {
		ksm_err("unmerge: done, but %s cannot be read back", KSM_SYSFS_DIR);
		return EXIT_FAIL;
	}
	left = ksm_unmerge_remaining(&now);
	if (!quiet) {
		ksm_format_size((was > left ? was - left : 0) *
				(unsigned long long)now.page_size, size, sizeof(size));
		printf("unmerged %llu pages (%s) in %.1fs; ksmd is stopped (run reads %llu)\n",
		       was > left ? was - left : 0, size, r->seconds,
		       ksm_u(&now, KSM_RUN));
	}
	if (left)
		ksm_warn("unmerge: %llu pages still read as merged", left);
	return EXIT_OK;
}

static int report_result(struct ksm_ctx *ctx,
			 const struct ksm_unmerge_result *r,
			 const struct ksm_sample *before, bool quiet)
{
	if (r->killed_by && r->killed_by != SIGINT) {
		ksm_err("unmerge: the process writing run=2 was killed by signal %d (%s)%s",
			r->killed_by, strsignal(r->killed_by),
			r->killed_by == SIGKILL ? ": the OOM killer?" : "");
		report_state(ctx);
		return EXIT_FAIL;
	}
	if (r->interrupted || r->write_err == -EINTR) {
		ksm_err("unmerge: interrupted: the kernel stopped the unmerge after %.1fs",
			r->seconds);
		report_state(ctx);
		return EXIT_FAIL;
	}
	if (r->write_err == -ENOMEM) {
		ksm_err("unmerge: the kernel ran out of memory (ENOMEM; a memory cgroup limit?)");
		report_state(ctx);
		return EXIT_FAIL;
	}
	if (r->write_err) {
		ksm_err("run: cannot write 2: %s%s", strerror(-r->write_err),
			ksm_write_hint(r->write_err));
		report_state(ctx);
		return EXIT_FAIL;
	}
	return report_success(ctx, r, before, quiet);
	return EXIT_OK;
}

int ksm_unmerge_checked(struct ksm_ctx *ctx, const struct ksm_sample *before,
			const struct ksm_unmerge_opts *o)
{
	struct progress p = { .start = ksm_unmerge_remaining(before) };
	struct ksm_unmerge_estimate e;
	struct ksm_unmerge_result r;
	char need[32], avail[32], margin[32];
	int err;

	ksm_unmerge_estimate(before, &e);
	if (!o->quiet || o->dry_run)
		print_estimate(&e, before, stdout);
	ksm_format_size(e.need_bytes, need, sizeof(need));
	ksm_format_size(e.available_bytes, avail, sizeof(avail));
	ksm_format_size(e.margin_bytes, margin, sizeof(margin));
	if (o->dry_run) {
		printf("verdict: %s\n", e.fits ? "fits: would unmerge" :
		       o->force ? "does not fit: would unmerge anyway (--force)" :
		       "does not fit: would refuse (use --force to override)");
		return e.fits || o->force ? EXIT_OK : EXIT_FAIL;
	}
	if (!e.fits && !o->force) {
		if (e.known)
			ksm_err("unmerge: refused: it needs about %s, but MemAvailable is %s and %s is kept free; use --force to unmerge anyway",
				need, avail, margin);
		else
			ksm_err("unmerge: refused: cannot read MemAvailable from /proc/meminfo to check the %s it needs; use --force to unmerge anyway",
				need);
		return EXIT_FAIL;
	}
	ksm_stop = 0;
	ksm_catch_signals();
	fflush(stdout);
	err = ksm_unmerge_run(ctx->root, &ksm_stop,
			      !o->quiet && isatty(STDERR_FILENO) ? show_progress : NULL,
			      &p, &r);
	if (p.shown)
		fprintf(stderr, "\r%*s\r", BAR_WIDTH + 60, "");
	if (err) {
		ksm_err("unmerge: cannot start the writer process: %s", strerror(-err));
		return EXIT_FAIL;
	}
	return report_result(ctx, &r, before, o->quiet);
}

/*
 * Write run (2 counts as 0, the same stopped state) through a
 * transaction.  Returns 1 when it was written, 0 when it already held
 * the value, -errno with why filled on failure.
 */
static int set_run(struct ksm_ctx *ctx, unsigned long long run,
		   struct ksm_refusal *why)
{
	struct ksm_value v = { .u = run == 2 ? 0 : run };
	struct ksm_sample now;
	struct ksm_txn t;
	int err;

	v.s = (long long)v.u;
	err = ksm_sample_read(ctx->root, &now);
	if (err)
		return err;
	if (ksm_u(&now, KSM_RUN) == v.u ||
	    (ksm_u(&now, KSM_RUN) == 2 && v.u == 0))
		return 0;
	ksm_txn_init(&t, 0);
	ksm_txn_add_value(&t, KSM_RUN, &v);
	err = ksm_txn_plan(&t, ctx->root, &now, why, NULL);
	if (!err)
		err = ksm_txn_apply(&t, ctx->root);
	return err ? err : 1;
}

void ksm_restore_run(struct ksm_ctx *ctx, unsigned long long run)
{
	struct ksm_refusal why = { "" };
	int err = set_run(ctx, run, &why);

	if (err < 0)
		ksm_err("run: could not be restored to %llu: %s", run,
			why.why[0] ? why.why : strerror(-err));
	else if (err > 0)
		ksm_err("run: restored to %llu", run == 2 ? 0 : run);
}

/* The requested changes again, against the drained state, run restored. */
static void rebuild(const struct ksm_txn *t, struct ksm_txn *t2,
		    unsigned long long orig_run)
{
	struct ksm_value run = { .u = orig_run, .s = (long long)orig_run };
	bool has_run = false;

	ksm_txn_init(t2, 0);
	for (int i = 0; i < t->count; i++) {
		ksm_txn_add_value(t2, ksm_knob_id(t->steps[i].knob),
				  &t->steps[i].to);
		has_run |= ksm_knob_id(t->steps[i].knob) == KSM_RUN;
	}
	if (!has_run)
		ksm_txn_add_value(t2, KSM_RUN, &run);
}

int ksm_unmerge_then_apply(struct ksm_ctx *ctx, struct ksm_txn *t,
			   const struct ksm_sample *before,
			   const struct ksm_txn_opts *opts)
{
	struct ksm_unmerge_opts uo = { .force = opts->force, .quiet = opts->quiet };
	unsigned long long orig_run = ksm_u(before, KSM_RUN) == 2 ? 0 :
				      ksm_u(before, KSM_RUN);
	long timeout = opts->drain_timeout_ms ? opts->drain_timeout_ms :
					       DEFAULT_DRAIN_TIMEOUT_MS;
	const struct ksm_knob *culprit = NULL;
	struct ksm_refusal why = { "" };
	struct ksm_sample mid;
	struct ksm_txn t2;
	int status, err;

	status = ksm_unmerge_checked(ctx, before, &uo);
	if (status) {
		ksm_restore_run(ctx, orig_run);
		ksm_err("no knob was changed");
		return status;
	}
	err = ksm_wait_drained(ctx->root, timeout, &ksm_stop, &mid);
	if (err) {
		ksm_err("stable tree: still %llu pages shared, %llu chains, %llu dups after %.1fs%s: the change needs them gone",
			ksm_u(&mid, KSM_PAGES_SHARED), ksm_u(&mid, KSM_STABLE_NODE_CHAINS),
			ksm_u(&mid, KSM_STABLE_NODE_DUPS), (double)timeout / 1000,
			err == -EINTR ? " (interrupted)" : "");
		ksm_restore_run(ctx, orig_run);
		ksm_err("no knob was changed");
		return EXIT_FAIL;
	}
	rebuild(t, &t2, orig_run);
	err = ksm_txn_plan(&t2, ctx->root, &mid, &why, &culprit);
	if (!err)
		err = ksm_txn_apply(&t2, ctx->root);
	else
		ksm_err("%s: %s", culprit ? culprit->name : "?", why.why);
	if (err) {
		if (t2.steps[0].state != STEP_PLANNED)
			ksm_report_failure(&t2);
		ksm_restore_run(ctx, orig_run);
		/* the knobs are back, but the unmerge itself cannot be undone */
		ksm_err("every page was unmerged before the failure; ksmd merges them again once run is 1");
		return EXIT_FAIL;
	}
	if (!opts->quiet)
		ksm_print_plan(&t2, false);
	return EXIT_OK;
}

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

int ksm_unmerge_all(struct ksm_ctx *ctx, const struct ksm_unmerge_opts *o,
		    bool restart, bool no_wait)
{
	struct ksm_lock lock = { -1 };
	struct ksm_sample before;
	int status;

	if (!o->dry_run) {
		status = ksm_take_lock(ctx, &lock, no_wait);
		if (status)
			return status;
	}
	status = ksm_ctx_sample(ctx, &before);
	if (!status && ksm_sample_is_uksm(&before)) {
		ksm_err("unmerge: not available on UKSM: its run takes only 0 and 1, there is no unmerge mode; UKSM unmerges a process's pages when it exits or calls madvise(MADV_UNMERGEABLE)");
		status = EXIT_UNAVAILABLE;
	}
	if (!status)
		status = ksm_unmerge_checked(ctx, &before, o);
	if (!status && restart && !o->dry_run) {
		struct ksm_refusal why = { "" };
		int err = set_run(ctx, 1, &why);

		if (err < 0) {
			ksm_err("run: cannot restart ksmd: %s",
				why.why[0] ? why.why : strerror(-err));
			status = EXIT_FAIL;
		} else if (!o->quiet) {
			printf("run: 2 -> 1 (restarted)\n");
		}
	}
	ksm_lock_release(&lock);
	return status;
}

static int unmerge_all_run(struct ksm_ctx *ctx, int argc, char **argv)
{
	struct ksm_unmerge_opts o = { 0 };
	bool restart = false, no_wait = false;
	int c;

	while ((c = ksm_getopt(&cmd_unmerge_all, argc, argv)) != -1) {
		switch (c) {
		case 'f':
			o.force = true;
			break;
		case 'n':
			o.dry_run = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'r':
			restart = true;
			break;
		case 'W':
			no_wait = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return ksm_usage_error(&cmd_unmerge_all, "unexpected argument '%s'",
				       argv[optind]);
	return ksm_unmerge_all(ctx, &o, restart, no_wait);
}
