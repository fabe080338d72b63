// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl top (also installed as ksmtop): options, the refresh (one read
 * of the counters, of ksmd's CPU time and of the processes), batch
 * frames, and the admin keys' actions.  The frames come from
 * src/lib/topframe.c; the interactive screen is src/top.c.
 *
 * The admin keys write through the same transaction code as `set`
 * (plan against a fresh sample, write, read back, restore on failure)
 * under the same writers' lock, which a screen never waits for: when
 * another ksmctl holds it, the key says so and writes nothing.
 */
#include <errno.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../ksmctl.h"
#include "../lib/escape.h"
#include "../lib/ksmd.h"
#include "../lib/parse.h"
#include "../lib/units.h"
#include "../top.h"

/*
 * Every process without KSM use is read again within this time, and new
 * processes are looked for this often: with 10,000 processes, reading
 * them all costs 120 ms of CPU and listing /proc 12 ms; so at the
 * default delay a refresh costs about 1/30 of the first plus 1/5 of the
 * second (see bench/top-bench.sh).
 */
#define RECHECK_MS 60000
#define RELIST_MS 10000
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
		"                          ZERO RMAP PROFIT SHARE VERDICT UNIT; grouped: the\n"
		"                          key, PROCS and the figures\n"
		"  -p, --pid PID[,PID...]  only these processes (PIDs may also follow the options)\n"
		"  -h, --help              display this help\n"
		"\n"
		"Keys:\n"
		"  q          quit                     h, ?       help\n"
		"  arrows     move the selection       PgUp PgDn  a page up or down\n"
		"  s, >       sort by the next column  <          sort by the previous one\n"
		"  g          next grouping            p          pause / resume\n"
		"  space      refresh now              d          change the delay\n"
		"  r          start / stop ksmd        + -        raise / lower pages_to_scan\n"
		"  u          unmerge everything (memory checked first, as unmerge-all)\n"
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

/* ---- one refresh ------------------------------------------------------ */

static char refresh_error[512];

const char *top_error(void)
{
	return refresh_error;
}

static unsigned int turns(const struct top *t)
{
	long d = t->o.delay_ms > 0 ? t->o.delay_ms : 1;

	return (unsigned int)((RECHECK_MS + d - 1) / d);
}

static int scan(struct top *t, const struct ksm_sample *s, struct ksm_procs *out)
{
	struct ksm_scan_opts so = {
		.page_size = s->page_size,
		/* every name, so that regrouping needs no new scan */
		.need = KSM_NEED_COMM | KSM_NEED_UID | KSM_NEED_CGROUP | KSM_NEED_VM,
	};
	struct timespec now;
	bool list;
	int err;

	if (t->o.npids) {
		so.pids = t->o.pids;
		so.npids = t->o.npids;
		err = ksm_procs_scan(t->ctx->root, &so, out);
		t->procs_total = t->o.npids;
		return err;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	list = t->relist || !t->refreshes ||
	       ksm_elapsed_ns(&t->listed_at, &now) >= RELIST_MS * 1000000LL;
	/* asked for (space): every process, now */
	err = ksm_live_scan(t->ctx->root, &t->live, &so, t->relist ? 1 : turns(t),
			    list, out);
	if (!err && list) {
		t->listed_at = now;
		t->relist = false;
	}
	t->procs_total = ksm_live_count(&t->live);
	return err;
}

int top_refresh(struct top *t)
{
	int next = t->refreshes ? !t->cur : 0;
	struct ksm_sample *s = &t->sample[next];
	struct ksm_procs procs;
	bool precise;
	int err, status;

	if (!t->refreshes) {
		/* says "no KSM" as every command does, exit 3 */
		status = ksm_ctx_sample(t->ctx, s);
		if (status) {
			snprintf(refresh_error, sizeof(refresh_error),
				 "%s: cannot read", KSM_SYSFS_DIR);
			return status;
		}
	} else {
		err = ksm_sample_read(t->ctx->root, s);
		if (err) {
			snprintf(refresh_error, sizeof(refresh_error),
				 "%s: cannot read: %s", KSM_SYSFS_DIR, strerror(-err));
			return err == -ENOENT ? EXIT_UNAVAILABLE : EXIT_FAIL;
		}
	}
	t->ksmd_ok[next] = t->ksmd > 0 &&
			   !ksm_task_cpu_ns(t->ctx->root, t->ksmd, &t->ksmd_ns[next],
					    &precise);
	err = scan(t, s, &procs);
	if (err) {
		snprintf(refresh_error, sizeof(refresh_error),
			 "proc: cannot read: %s", strerror(-err));
		if (!t->refreshes)
			ksm_err("%s", refresh_error);
		return EXIT_FAIL;
	}
	if (t->have_procs)
		ksm_procs_free(&t->procs);
	t->procs = procs;
	t->have_procs = true;
	ksm_history_push(&t->hist, t->refreshes ? &t->sample[t->cur] : NULL, s);
	t->have_prev = t->refreshes > 0;
	t->cur = next;
	t->refreshes++;
	return 0;
}

void top_frame_input(const struct top *t, bool utf8, int width, int height,
		     struct ksm_frame_input *in)
{
	int prev = !t->cur;

	memset(in, 0, sizeof(*in));
	in->prev = t->have_prev ? &t->sample[prev] : NULL;
	in->cur = &t->sample[t->cur];
	in->procs = t->have_procs ? &t->procs : NULL;
	in->procs_total = t->procs_total;
	in->only_pids = t->o.npids > 0;
	in->ksmd_known = t->have_prev && t->ksmd_ok[prev] && t->ksmd_ok[t->cur];
	in->ksmd_prev_ns = t->ksmd_ns[prev];
	in->ksmd_cur_ns = t->ksmd_ns[t->cur];
	in->hist = &t->hist;
	in->view = &t->view;
	in->utf8 = utf8;
	in->width = width;
	in->height = height;
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

static void sleep_ms(long ms)
{
	struct timespec left = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&left, &left) < 0 && errno == EINTR)
		;
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
		if (t->o.iterations && n >= t->o.iterations)
			break;
		sleep_ms(t->o.delay_ms);
		status = top_refresh(t);
		if (status) {
			ksm_err("%s", top_error());
			break;
		}
	}
	free(f);
	return status;
}

/* ---- the admin keys --------------------------------------------------- */

static bool access_error(int err)
{
	return err == -EACCES || err == -EPERM || err == -EROFS;
}

/* Plan knob=to against s, as `set` does; the refusal in msg. */
static int plan_one(struct top *t, const struct ksm_sample *s,
		    enum ksm_knob_id id, const struct ksm_value *to,
		    unsigned int flags, struct ksm_txn *txn, char *msg,
		    size_t size)
{
	struct ksm_refusal why = { "" };
	int err;

	ksm_txn_init(txn, flags);
	txn->dirs = ksm_sample_dirs(s);
	err = ksm_txn_add_value(txn, id, to);
	if (!err)
		err = ksm_txn_plan(txn, t->ctx->root, s, &why, NULL);
	if (err)
		snprintf(msg, size, "%s: %s%s", ksm_knobs[id].name,
			 why.why[0] ? why.why : strerror(-err),
			 access_error(err) ? ksm_write_hint(err) : "");
	return err;
}

static void value_of(unsigned long long v, struct ksm_value *out)
{
	memset(out, 0, sizeof(*out));
	out->u = v;
	out->s = (long long)v;
}

static int prepare_run(struct top *t, const struct ksm_sample *s,
		       struct top_pending *p, char *msg, size_t size)
{
	struct ksm_txn txn;
	int err;

	if (!ksm_has(s, KSM_RUN)) {
		snprintf(msg, size, "run: cannot be read");
		return -ENOENT;
	}
	p->from = s->v[KSM_RUN];
	value_of(p->from.u == 1 ? 0 : 1, &p->to);
	err = plan_one(t, s, KSM_RUN, &p->to, 0, &txn, msg, size);
	if (err)
		return err;
	if (p->to.u == 0)
		snprintf(p->question, sizeof(p->question),
			 "Stop ksmd (run 1 -> 0)? Merged pages stay merged.  [y/N]");
	else
		snprintf(p->question, sizeof(p->question),
			 "Start ksmd (run %llu -> 1)?  [y/N]", p->from.u);
	return 0;
}

static int prepare_pages(struct top *t, const struct ksm_sample *s, bool up,
			 struct top_pending *p, char *msg, size_t size)
{
	const struct ksm_knob *k = &ksm_knobs[KSM_PAGES_TO_SCAN];
	unsigned long long from = ksm_u(s, KSM_PAGES_TO_SCAN), to, step;
	unsigned long long sleep = ksm_u(s, KSM_SLEEP_MILLISECS);
	struct ksm_txn txn;
	int err;

	/* a quarter up, a fifth down: + then - comes back where it was */
	step = (up ? from / 4 : from / 5) ? (up ? from / 4 : from / 5) : 1;
	if (up)
		to = from + step > k->kernel_max ? k->kernel_max : from + step;
	else
		to = from > step ? from - step : 0;
	p->from = s->v[KSM_PAGES_TO_SCAN];
	value_of(to, &p->to);
	err = plan_one(t, s, KSM_PAGES_TO_SCAN, &p->to, 0, &txn, msg, size);
	if (err)
		return err;
	if (sleep)
		snprintf(p->question, sizeof(p->question),
			 "pages_to_scan %llu -> %llu (at most %.0f pages/s)?  [y/N]",
			 from, to, (double)to * 1000 / (double)sleep);
	else
		snprintf(p->question, sizeof(p->question),
			 "pages_to_scan %llu -> %llu?  [y/N]", from, to);
	return 0;
}

static const char uksm_no_unmerge[] =
	"unmerge: not available on UKSM: its run takes only 0 and 1";

/* The memory check of unmerge-all; the refusal in its words. */
static int check_memory(const struct ksm_sample *s, struct ksm_unmerge_estimate *e,
			char *msg, size_t size)
{
	char need[32], avail[32], margin[32];

	ksm_unmerge_estimate(s, e);
	ksm_format_size(e->need_bytes, need, sizeof(need));
	ksm_format_size(e->available_bytes, avail, sizeof(avail));
	ksm_format_size(e->margin_bytes, margin, sizeof(margin));
	if (e->fits)
		return 0;
	if (e->known)
		snprintf(msg, size, "unmerge: refused: it needs about %s, but MemAvailable is %s and %s is kept free ('ksmctl unmerge-all --force' overrides)",
			 need, avail, margin);
	else
		snprintf(msg, size, "unmerge: refused: cannot read MemAvailable from /proc/meminfo to check the %s it needs ('ksmctl unmerge-all --force' overrides)",
			 need);
	return -ENOMEM;
}

static int prepare_unmerge(struct top *t, const struct ksm_sample *s,
			   struct top_pending *p, char *msg, size_t size)
{
	struct ksm_unmerge_estimate e;
	char need[32], avail[32];
	struct ksm_txn txn;
	int err;

	if (ksm_sample_is_uksm(s)) {
		snprintf(msg, size, "%s", uksm_no_unmerge);
		return -EOPNOTSUPP;
	}
	err = check_memory(s, &e, msg, size);
	if (err)
		return err;
	value_of(2, &p->to);
	p->from = s->v[KSM_RUN];
	err = plan_one(t, s, KSM_RUN, &p->to, TXN_ALLOW_UNMERGE, &txn, msg, size);
	if (err)
		return err;
	ksm_format_size(e.need_bytes, need, sizeof(need));
	ksm_format_size(e.available_bytes, avail, sizeof(avail));
	snprintf(p->question, sizeof(p->question),
		 "Unmerge every KSM page (run 2)? It needs about %s, MemAvailable is %s; ksmd stays stopped.  [y/N]",
		 need, avail);
	return 0;
}

int top_action_prepare(struct top *t, enum top_action act,
		       struct top_pending *p, char *msg, size_t size)
{
	const struct ksm_sample *s = &t->sample[t->cur];

	memset(p, 0, sizeof(*p));
	p->act = act;
	msg[0] = '\0';
	switch (act) {
	case TOP_ACT_RUN:
		return prepare_run(t, s, p, msg, size);
	case TOP_ACT_PAGES_UP:
	case TOP_ACT_PAGES_DOWN:
		return prepare_pages(t, s, act == TOP_ACT_PAGES_UP, p, msg, size);
	case TOP_ACT_UNMERGE:
		return prepare_unmerge(t, s, p, msg, size);
	}
	return -EINVAL;
}

/* A failed one-knob transaction in one line: what failed, what is left. */
static void describe_failure(const struct ksm_txn *txn, char *msg, size_t size)
{
	const struct ksm_step *st = &txn->steps[0];
	char to[64], seen[64];

	ksm_knob_format(st->knob, &st->to, to, sizeof(to));
	ksm_knob_format(st->knob, &st->seen, seen, sizeof(seen));
	if (st->failure == STEP_FAIL_VALUE)
		snprintf(msg, size, "%s: wrote %s but it reads back %s%s",
			 st->knob->name, to, seen,
			 st->left_changed ? "" : "; restored");
	else
		snprintf(msg, size, "%s: cannot write %s: %s%s%s", st->knob->name,
			 to, strerror(-st->err), ksm_write_hint(st->err),
			 st->left_changed ? "; left changed" : "; nothing changed");
}

static int apply_knob(struct top *t, const struct top_pending *p,
		      const struct ksm_sample *now, char *msg, size_t size)
{
	enum ksm_knob_id id = p->act == TOP_ACT_RUN ? KSM_RUN : KSM_PAGES_TO_SCAN;
	const struct ksm_knob *k = &ksm_knobs[id];
	char from[64], to[64];
	struct ksm_txn txn;
	int err;

	ksm_knob_format(k, &p->from, from, sizeof(from));
	ksm_knob_format(k, &p->to, to, sizeof(to));
	if (now->v[id].err || !ksm_value_equal(k, &now->v[id], &p->from)) {
		char was[64];

		ksm_knob_format(k, &now->v[id], was, sizeof(was));
		snprintf(msg, size, "%s: changed meanwhile (now %s): nothing written",
			 k->name, now->v[id].err ? "unreadable" : was);
		return -EAGAIN;
	}
	err = plan_one(t, now, id, &p->to, 0, &txn, msg, size);
	if (err)
		return err;
	err = ksm_txn_apply(&txn, t->ctx->root);
	if (err) {
		describe_failure(&txn, msg, size);
		return err;
	}
	snprintf(msg, size, "%s: %s -> %s", k->name, from, to);
	return 0;
}

/* What the system holds after a failed unmerge. */
static void unmerge_state(struct top *t, char *buf, size_t size)
{
	struct ksm_sample now;
	char sz[32];

	if (ksm_sample_read(t->ctx->root, &now)) {
		snprintf(buf, size, "; %s cannot be read", KSM_SYSFS_DIR);
		return;
	}
	ksm_format_size(ksm_unmerge_remaining(&now) * (unsigned long long)now.page_size,
			sz, sizeof(sz));
	snprintf(buf, size, "; run reads %llu, %llu pages (%s) still merged",
		 ksm_u(&now, KSM_RUN), ksm_unmerge_remaining(&now), sz);
}

static int unmerge_result(struct top *t, const struct ksm_unmerge_result *r,
			  const struct ksm_sample *before, char *msg, size_t size)
{
	unsigned long long was = ksm_unmerge_remaining(before), left, done;
	struct ksm_sample now;
	char state[160], sz[32];

	state[0] = '\0';
	if (r->killed_by && r->killed_by != SIGINT) {
		unmerge_state(t, state, sizeof(state));
		snprintf(msg, size, "unmerge: the writer was killed by signal %d (%s)%s%s",
			 r->killed_by, strsignal(r->killed_by),
			 r->killed_by == SIGKILL ? ": the OOM killer?" : "", state);
		return -EINTR;
	}
	if (r->interrupted || r->write_err == -EINTR) {
		unmerge_state(t, state, sizeof(state));
		snprintf(msg, size, "unmerge: interrupted after %.1fs%s", r->seconds,
			 state);
		return -EINTR;
	}
	if (r->write_err) {
		unmerge_state(t, state, sizeof(state));
		snprintf(msg, size, "run: cannot write 2: %s%s%s",
			 r->write_err == -ENOMEM ? "the kernel ran out of memory (a memory cgroup limit?)" :
			 strerror(-r->write_err), ksm_write_hint(r->write_err), state);
		return r->write_err;
	}
	if (ksm_sample_read(t->ctx->root, &now)) {
		snprintf(msg, size, "unmerge: done, but %s cannot be read back",
			 KSM_SYSFS_DIR);
		return -EIO;
	}
	left = ksm_unmerge_remaining(&now);
	done = was > left ? was - left : 0;
	ksm_format_size(done * (unsigned long long)now.page_size, sz, sizeof(sz));
	snprintf(msg, size, "unmerged %llu pages (%s) in %.1fs; ksmd is stopped (run reads %llu)",
		 done, sz, r->seconds, ksm_u(&now, KSM_RUN));
	if (left) {
		size_t len = strlen(msg);

		snprintf(msg + len, size - len, "; %llu pages still merged", left);
	}
	return 0;
}

static int apply_unmerge(struct top *t, const struct ksm_sample *now,
			 ksm_unmerge_progress_fn progress, void *data,
			 volatile sig_atomic_t *stop, char *msg, size_t size)
{
	struct ksm_unmerge_estimate e;
	struct ksm_unmerge_result r;
	int err;

	if (ksm_sample_is_uksm(now)) {
		snprintf(msg, size, "%s", uksm_no_unmerge);
		return -EOPNOTSUPP;
	}
	/* checked again: memory may have gone since the question */
	err = check_memory(now, &e, msg, size);
	if (err)
		return err;
	err = ksm_unmerge_run(t->ctx->root, stop, progress, data, &r);
	if (err) {
		snprintf(msg, size, "unmerge: cannot start the writer process: %s",
			 strerror(-err));
		return err;
	}
	return unmerge_result(t, &r, now, msg, size);
}

int top_action_apply(struct top *t, const struct top_pending *p,
		     ksm_unmerge_progress_fn progress, void *data,
		     volatile sig_atomic_t *stop, char *msg, size_t size)
{
	struct ksm_lock lock = { -1 };
	struct ksm_sample now;
	pid_t holder = 0;
	int err;

	err = ksm_lock_take(t->ctx->root, &lock, false, &holder);
	if (err == -EWOULDBLOCK) {
		if (holder)
			snprintf(msg, size, "busy: another ksmctl (pid %ld) is changing KSM settings; nothing written, try again",
				 (long)holder);
		else
			snprintf(msg, size, "busy: another ksmctl is changing KSM settings; nothing written, try again");
		return err;
	}
	if (err) {
		snprintf(msg, size, "%s: cannot take the lock: %s%s", KSM_LOCK_PATH,
			 strerror(-err), ksm_write_hint(err));
		return err;
	}
	/* the plan must see the state it changes: read under the lock */
	err = ksm_sample_read(t->ctx->root, &now);
	if (err)
		snprintf(msg, size, "%s: cannot read: %s", KSM_SYSFS_DIR,
			 strerror(-err));
	else if (p->act == TOP_ACT_UNMERGE)
		err = apply_unmerge(t, &now, progress, data, stop, msg, size);
	else
		err = apply_knob(t, p, &now, msg, size);
	ksm_lock_release(&lock);
	return err;
}

/* ---- the command -------------------------------------------------------- */

static void find_ksmd(struct top *t)
{
	unsigned int dirs = ksm_root_knob_dirs(t->ctx->root);

	t->ksmd = -ENOENT;
	/* ksmd lives as long as the kernel: looked for once */
	if (dirs)
		t->ksmd = ksm_find_kthread(t->ctx->root,
					   dirs == KNOB_IN_UKSM ? "uksmd" : "ksmd");
}

bool top_utf8_locale(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
}

static int top_run(struct ksm_ctx *ctx, int argc, char **argv)
{
	struct top *t = calloc(1, sizeof(*t));
	int status;

	if (!t) {
		ksm_err("top: %s", strerror(ENOMEM));
		return EXIT_FAIL;
	}
	t->ctx = ctx;
	t->o.delay_ms = DEFAULT_DELAY_MS;
	ksm_live_init(&t->live);
	ksm_history_init(&t->hist);
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
		find_ksmd(t);
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
	if (t->have_procs)
		ksm_procs_free(&t->procs);
	ksm_live_free(&t->live);
	free(t->o.pids);
	free(t);
	return status;
}
