// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksm-workload - a host full of "guests" for KSM to merge, and the proof
 * that merging did no harm.
 *
 * It forks N guest processes of M MiB each.  A guest's memory is a mix of
 * page classes, each in its own mapping (so /proc/PID/smaps shows each
 * class's "KSM:" line apart):
 *
 *   shared    page j holds the same bytes in every guest (an OS image)
 *   dup       R copies of each page within one guest, unlike other guests
 *   zero      zero-filled, but populated (written)
 *   unique    unlike any other page anywhere
 *   volatile  page j holds the same bytes in every guest, but each guest
 *             rewrites its volatile pages, round robin, RATE pages a second
 *             (generation g of page j is the same in every guest: the
 *             guests share one start time, so they stay in step)
 *
 * Content comes from seeds, so nothing is read from disk, and because
 * the workload knows what it wrote it knows the best KSM can do: the
 * pages that can be merged away, counted as the kernel counts
 * pages_sharing + ksm_zero_pages.  K identical pages need ceil(K / S) KSM
 * pages when max_page_sharing is S (a chain of KSM pages of at most S
 * sharers each), so K - ceil(K / S) of them can go.  With use_zero_pages
 * every zero page goes (ksm_zero_pages).  Volatile pages are left out of
 * the achievable figure (they change faster than a scan can hold them)
 * and reported apart, as the savings they would give if they held still.
 *
 * With --stats FILE, each SIGUSR2 makes the workload measure what KSM
 * saves it right now and write one line to FILE (written, then renamed):
 *   seq=N time=SECONDS saved=N shared=N dup=N zero=N unique=N volatile=N
 * from the guests' page tables (/proc/PID/pagemap, root only): a frame
 * that K of the guests' pages map saves K - 1 pages, the zero page
 * (use_zero_pages) saves every one -- the kernel's pages_sharing +
 * ksm_zero_pages for this workload alone, exact per class, whatever else
 * KSM merges on the machine.  "time" is CLOCK_REALTIME; on failure the
 * line is "seq=N error=WHY".
 *
 * On SIGTERM (or at the end of --hold) every guest re-reads every page
 * against what it wrote -- merging, COW breaks and unmerging must never
 * change a byte -- and the run fails loudly if one differs.  SIGUSR1
 * pauses (and a second one resumes) the volatile rewrites, so a benchmark
 * can measure ksmd with nothing left changing.
 *
 * usage: ksm-workload [-g N] [-s MIB] [-m MIX] [--dup-factor R]
 *                     [-r RATE] [--merge madvise|prctl] [--seed S]
 *                     [--max-page-sharing S] [--hold SECONDS]
 *                     [--ready-file PATH] [--stats FILE] [--plan]
 *
 * stdout: one JSON document (the plan and the ideal with --plan; the
 * summary, with every guest's verification, after a run).
 *
 * The ready file (written, then renamed into place, once every guest has
 * filled and registered its memory) has one line per guest:
 *   guest PID CLASS=START-END ...
 * with START-END as /proc/PID/smaps prints the class's mapping.
 *
 * Exit status: 0 every page verified, 1 system call failed or a guest
 * died, 2 bad usage, 3 the kernel lacks the merge mode (EINVAL), 4 a page
 * no longer holds what was written.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

/* Older libc headers predate these; the values are the kernel ABI. */
#ifndef MADV_MERGEABLE
#define MADV_MERGEABLE 12
#endif
#ifndef MADV_NOHUGEPAGE
#define MADV_NOHUGEPAGE 15
#endif
#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#endif

#define PROG "ksm-workload"
#define MAX_GUESTS 1024
#define KSM_DIR "/sys/kernel/mm/ksm/"

enum {
	EXIT_SYSCALL = 1,
	EXIT_USAGE = 2,
	EXIT_NOFEATURE = 3,
	EXIT_CORRUPT = 4,
};

enum cls { C_SHARED, C_DUP, C_ZERO, C_UNIQUE, C_VOLATILE, NCLS };

static const char *const cls_name[NCLS] = {
	"shared", "dup", "zero", "unique", "volatile",
};

enum merge_mode { MERGE_MADVISE, MERGE_PRCTL };

struct plan {
	unsigned int guests;
	uint64_t size_mib;
	size_t page_size;
	size_t pages;			/* per guest */
	double pct[NCLS];
	bool pct_given[NCLS];
	size_t n[NCLS];			/* pages per guest and class */
	unsigned int dup_factor;
	size_t dup_distinct;		/* distinct dup contents per guest */
	double rate;			/* volatile rewrites per guest per second */
	enum merge_mode merge;
	uint64_t seed;
	uint64_t max_page_sharing;
	bool mps_from_kernel;
	unsigned int hold;
	const char *ready_file;
	const char *stats_file;
	bool plan_only;
};

struct ideal {
	uint64_t cls[NCLS];		/* merged away, use_zero_pages off */
	uint64_t zero_on;		/* zero class with use_zero_pages on */
	uint64_t off;			/* total without use_zero_pages */
	uint64_t on;			/* total with use_zero_pages */
	uint64_t volatile_if_still;
};

/* One guest's memory: one mapping per class, a guard page after each. */
struct guest {
	struct plan *p;
	unsigned int index;
	unsigned char *map;
	size_t map_len;
	unsigned char *base[NCLS];
	uint32_t *gen;			/* generation of each volatile page */
	uint64_t *scratch;		/* one page, for verify */
};

/* guest -> parent messages, each written with one write() (< PIPE_BUF) */
enum msg_type { MSG_READY = 1, MSG_RESULT = 2 };

struct ready_msg {
	uint32_t type;
	int32_t pid;
	uint64_t start[NCLS], end[NCLS];
};

struct result_msg {
	uint32_t type;
	int32_t pid;
	uint64_t rewrites;
	uint64_t bad_pages;
	int32_t first_cls;
	uint64_t first_page;
	uint64_t first_off;
	int64_t ksm_kib[NCLS];		/* -1: smaps has no KSM: line */
};

struct guest_proc {
	pid_t pid;
	int up;				/* read end of its pipe */
	struct ready_msg ready;
	struct result_msg result;
	bool got_ready, got_result;
	int status;			/* from waitpid */
	bool reaped;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [options]\n"
		"\n"
		"Fork N guest processes whose memory KSM can merge, print the best\n"
		"outcome possible, verify every page on exit.\n"
		"\n"
		"  -g, --guests N            guest processes (default 4)\n"
		"  -s, --size MIB            memory per guest in MiB (default 256)\n"
		"  -m, --mix LIST            percent of each guest's pages per class:\n"
		"                            shared=P,dup=P,zero=P,volatile=P[,unique=P];\n"
		"                            unique takes the rest (default\n"
		"                            shared=40,dup=10,zero=15,volatile=5)\n"
		"      --dup-factor R        copies of each dup page in a guest (default 4)\n"
		"  -r, --rate PAGES          volatile pages each guest rewrites a second\n"
		"                            (default 100; 0: never)\n"
		"      --merge madvise|prctl how the guests opt in (default madvise)\n"
		"      --seed S              content seed (default 1)\n"
		"      --max-page-sharing S  for the ideal (default: the kernel's, else 256)\n"
		"      --hold SECONDS        stop after SECONDS (default 0: on SIGTERM)\n"
		"      --ready-file PATH     written when every guest is ready\n"
		"      --stats FILE          on SIGUSR2, write what KSM saves now (root)\n"
		"      --plan                print the plan and the ideal, start nothing\n"
		"  -h, --help                display this help\n"
		"\n"
		"SIGTERM/SIGINT: verify and exit.  SIGUSR1: pause/resume volatile rewrites.\n"
		"SIGUSR2: measure the savings into the --stats file.\n"
		"Exit: 0 verified, 1 failure, 2 usage, 3 merge mode unsupported, 4 corrupt.\n");
}

static void die_usage(const char *what, const char *arg)
{
	if (*arg)
		fprintf(stderr, PROG ": %s '%s'\n", what, arg);
	else
		fprintf(stderr, PROG ": %s\n", what);
	fprintf(stderr, "Try '" PROG " --help' for more information.\n");
	exit(EXIT_USAGE);
}

static void die_errno(const char *what, int err)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(err));
	exit(EXIT_SYSCALL);
}

/* Decimal only, whole string, no sign. */
static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static int parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if ((*s < '0' || *s > '9') && *s != '.')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < 0)
		return -1;
	*out = v;
	return 0;
}

static int cls_by_name(const char *name, size_t len)
{
	int c;

	for (c = 0; c < NCLS; c++)
		if (strlen(cls_name[c]) == len && !strncmp(cls_name[c], name, len))
			return c;
	return -1;
}

/* "shared=40,dup=10": each class at most once, percents 0..100. */
static void parse_mix(const char *arg, struct plan *p)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int c;

	if (!copy)
		die_errno("strdup", ENOMEM);
	memset(p->pct, 0, sizeof(p->pct));
	memset(p->pct_given, 0, sizeof(p->pct_given));
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		double v;

		if (!eq)
			die_usage("bad --mix item (want CLASS=PERCENT)", tok);
		c = cls_by_name(tok, (size_t)(eq - tok));
		if (c < 0)
			die_usage("unknown --mix class", tok);
		if (p->pct_given[c])
			die_usage("--mix class given twice", tok);
		if (parse_double(eq + 1, &v) || v > 100)
			die_usage("bad --mix percent", tok);
		p->pct[c] = v;
		p->pct_given[c] = true;
	}
	free(copy);
}

static void parse_args(int argc, char **argv, struct plan *p)
{
	static const struct option longopts[] = {
		{ "guests", required_argument, NULL, 'g' },
		{ "size", required_argument, NULL, 's' },
		{ "mix", required_argument, NULL, 'm' },
		{ "dup-factor", required_argument, NULL, 'D' },
		{ "rate", required_argument, NULL, 'r' },
		{ "merge", required_argument, NULL, 'M' },
		{ "seed", required_argument, NULL, 'S' },
		{ "max-page-sharing", required_argument, NULL, 'P' },
		{ "hold", required_argument, NULL, 'H' },
		{ "ready-file", required_argument, NULL, 'R' },
		{ "stats", required_argument, NULL, 'T' },
		{ "plan", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "g:s:m:r:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'g':
			if (parse_u64(optarg, &v) || v < 1 || v > MAX_GUESTS)
				die_usage("bad --guests (1 to 1024)", optarg);
			p->guests = (unsigned int)v;
			break;
		case 's':
			if (parse_u64(optarg, &v) || v < 1 || v > (1ULL << 24))
				die_usage("bad --size", optarg);
			p->size_mib = v;
			break;
		case 'm':
			parse_mix(optarg, p);
			break;
		case 'D':
			if (parse_u64(optarg, &v) || v < 2 || v > (1U << 20))
				die_usage("bad --dup-factor (2 or more)", optarg);
			p->dup_factor = (unsigned int)v;
			break;
		case 'r':
			if (parse_double(optarg, &p->rate) || p->rate > 1e7)
				die_usage("bad --rate", optarg);
			break;
		case 'M':
			if (!strcmp(optarg, "madvise"))
				p->merge = MERGE_MADVISE;
			else if (!strcmp(optarg, "prctl"))
				p->merge = MERGE_PRCTL;
			else
				die_usage("bad --merge", optarg);
			break;
		case 'S':
			if (parse_u64(optarg, &p->seed))
				die_usage("bad --seed", optarg);
			break;
		case 'P':
			if (parse_u64(optarg, &v) || v < 2 || v > INT_MAX)
				die_usage("bad --max-page-sharing (2 or more)", optarg);
			p->max_page_sharing = v;
			break;
		case 'H':
			if (parse_u64(optarg, &v) || v > UINT_MAX)
				die_usage("bad --hold", optarg);
			p->hold = (unsigned int)v;
			break;
		case 'R':
			p->ready_file = optarg;
			break;
		case 'T':
			p->stats_file = optarg;
			break;
		case 'n':
			p->plan_only = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "Try '" PROG " --help' for more information.\n");
			exit(EXIT_USAGE);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument", argv[optind]);
}

/* The kernel's max_page_sharing, which the ideal depends on. */
static void read_max_page_sharing(struct plan *p)
{
	char buf[32];
	uint64_t v;
	FILE *f;

	if (p->max_page_sharing)
		return;
	p->max_page_sharing = 256;
	f = fopen(KSM_DIR "max_page_sharing", "r");
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (!parse_u64(buf, &v) && v >= 2) {
			p->max_page_sharing = v;
			p->mps_from_kernel = true;
		}
	}
	fclose(f);
}

/*
 * Pages per class.  Percents of the guest's pages, rounded down; unique
 * takes what is left unless given, and then everything must add up.
 */
static void size_classes(struct plan *p)
{
	double sum = 0;
	size_t used = 0;
	int c;

	if ((uint64_t)p->size_mib > SIZE_MAX / (1024 * 1024))
		die_usage("--size too large", "");
	p->pages = (size_t)(p->size_mib * 1024 * 1024 / p->page_size);
	if (p->pages > UINT32_MAX)
		die_usage("--size too large for the page tags", "");
	for (c = 0; c < NCLS; c++)
		sum += p->pct[c];
	if (sum > 100.0 + 1e-9)
		die_usage("--mix adds up to more than 100%", "");
	if (p->pct_given[C_UNIQUE] && fabs(sum - 100.0) > 1e-9)
		die_usage("--mix with unique must add up to 100%", "");
	for (c = 0; c < NCLS; c++) {
		if (c == C_UNIQUE)
			continue;
		p->n[c] = (size_t)((double)p->pages * p->pct[c] / 100.0);
		used += p->n[c];
	}
	p->n[C_UNIQUE] = p->pages - used;
	p->pct[C_UNIQUE] = 100.0 - (sum - p->pct[C_UNIQUE]);
	p->dup_distinct = (p->n[C_DUP] + p->dup_factor - 1) / p->dup_factor;
}

/* K identical pages in chains of at most S sharers: ceil(K / S) stay. */
static uint64_t merged_away(uint64_t k, uint64_t mps)
{
	return k ? k - (k + mps - 1) / mps : 0;
}

static void compute_ideal(const struct plan *p, struct ideal *id)
{
	uint64_t g = p->guests, mps = p->max_page_sharing;
	uint64_t nd = p->dup_distinct, q, r;

	memset(id, 0, sizeof(*id));
	id->cls[C_SHARED] = p->n[C_SHARED] * merged_away(g, mps);
	/* dup content k is at pages j with j % nd == k: r of them once more */
	if (nd) {
		q = p->n[C_DUP] / nd;
		r = p->n[C_DUP] % nd;
		id->cls[C_DUP] = g * (r * merged_away(q + 1, mps) +
				      (nd - r) * merged_away(q, mps));
	}
	id->cls[C_ZERO] = merged_away(g * p->n[C_ZERO], mps);
	id->zero_on = g * p->n[C_ZERO];
	id->volatile_if_still = p->n[C_VOLATILE] * merged_away(g, mps);
	id->off = id->cls[C_SHARED] + id->cls[C_DUP] + id->cls[C_ZERO];
	id->on = id->cls[C_SHARED] + id->cls[C_DUP] + id->zero_on;
}

/* splitmix64: turns any seed (even 0) into a well-mixed 64-bit value. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * What page j of class c holds in guest g at generation gen.  The first
 * word is a tag (class, guest for the per-guest classes, index), so pages
 * that must differ always do and no page but a zero page is ever zero;
 * the second the generation, the third the seed (two workloads with
 * different seeds never share pages); a xorshift stream fills the rest.
 */
static void gen_page(const struct plan *p, enum cls c, unsigned int g, size_t j,
		     uint32_t gen, uint64_t *w)
{
	size_t nwords = p->page_size / sizeof(uint64_t), i;
	uint64_t tag = (uint64_t)(c + 1) << 56, state;

	if (c == C_ZERO) {
		memset(w, 0, p->page_size);
		return;
	}
	switch (c) {
	case C_DUP:
		tag |= (uint64_t)(g + 1) << 32 | (uint64_t)(j % p->dup_distinct);
		break;
	case C_UNIQUE:
		tag |= (uint64_t)(g + 1) << 32 | (uint64_t)j;
		break;
	default:		/* shared, volatile: the same in every guest */
		tag |= (uint64_t)j;
		break;
	}
	state = mix64(p->seed ^ mix64(tag ^ mix64(gen)));
	if (!state)
		state = 0x2545f4914f6cdd1dULL;
	w[0] = tag;
	w[1] = gen;
	w[2] = p->seed;
	for (i = 3; i < nwords; i++) {
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		w[i] = state;
	}
}

static unsigned char *page_addr(const struct guest *gu, enum cls c, size_t j)
{
	return gu->base[c] + j * gu->p->page_size;
}

static uint32_t page_gen(const struct guest *gu, enum cls c, size_t j)
{
	return c == C_VOLATILE ? gu->gen[j] : 0;
}

/*
 * One mapping, split by PROT_NONE guard pages into one area per class:
 * neighbouring areas with equal flags would otherwise merge into one VMA
 * and smaps could not tell the classes apart.
 */
static void guest_map(struct guest *gu)
{
	const struct plan *p = gu->p;
	size_t ps = p->page_size, off = 0;
	int c;

	gu->map_len = 0;
	for (c = 0; c < NCLS; c++)
		if (p->n[c])
			gu->map_len += (p->n[c] + 1) * ps;
	gu->map = mmap(NULL, gu->map_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (gu->map == MAP_FAILED)
		die_errno("mmap", errno);
	/* THP would hide the pages from KSM (see the kernel reference) */
	if (madvise(gu->map, gu->map_len, MADV_NOHUGEPAGE) && errno != EINVAL)
		die_errno("madvise MADV_NOHUGEPAGE", errno);
	for (c = 0; c < NCLS; c++) {
		if (!p->n[c])
			continue;
		gu->base[c] = gu->map + off;
		off += p->n[c] * ps;
		if (mprotect(gu->map + off, ps, PROT_NONE))
			die_errno("mprotect guard page", errno);
		off += ps;
	}
	gu->gen = calloc(p->n[C_VOLATILE] ? p->n[C_VOLATILE] : 1, sizeof(*gu->gen));
	gu->scratch = malloc(ps);
	if (!gu->gen || !gu->scratch)
		die_errno("malloc", ENOMEM);
}

static void guest_fill(struct guest *gu)
{
	const struct plan *p = gu->p;
	size_t j;
	int c;

	for (c = 0; c < NCLS; c++)
		for (j = 0; j < p->n[c]; j++)
			gen_page(p, c, gu->index, j, 0,
				 (uint64_t *)(void *)page_addr(gu, c, j));
}

static void guest_register(const struct guest *gu)
{
	const struct plan *p = gu->p;
	int c;

	if (p->merge != MERGE_MADVISE)
		return;
	for (c = 0; c < NCLS; c++) {
		if (!p->n[c])
			continue;
		if (madvise(gu->base[c], p->n[c] * p->page_size, MADV_MERGEABLE)) {
			fprintf(stderr, PROG ": madvise MADV_MERGEABLE: %s\n",
				strerror(errno));
			exit(errno == EINVAL ? EXIT_NOFEATURE : EXIT_SYSCALL);
		}
	}
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A write() of one message; the pipe keeps it whole (< PIPE_BUF). */
static int write_msg(int fd, const void *msg, size_t len)
{
	ssize_t n;

	do
		n = write(fd, msg, len);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

/* Returns the bytes read: len, or less at end of file; -1 on error. */
static ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/*
 * Rewrite due volatile pages.  Write number w (counted from the shared
 * start time t0) goes to page w % V with generation w / V + 1, the same
 * in every guest, so the guests' volatile pages match between writes.
 */
static void rewrite_due(struct guest *gu, int64_t t0, uint64_t *written)
{
	const struct plan *p = gu->p;
	size_t nv = p->n[C_VOLATILE];
	double elapsed = (double)(now_ns() - t0) / 1e9;
	uint64_t target = elapsed > 0 ? (uint64_t)(elapsed * p->rate) : 0;

	while (*written < target) {
		size_t j = (size_t)(*written % nv);

		gu->gen[j] = (uint32_t)(*written / nv + 1);
		gen_page(p, C_VOLATILE, gu->index, j, gu->gen[j],
			 (uint64_t *)(void *)page_addr(gu, C_VOLATILE, j));
		(*written)++;
	}
}

/* How long to sleep until the next rewrite is due: 1 ms to 200 ms. */
static void next_timeout(const struct plan *p, int64_t t0, uint64_t written,
			 struct timespec *ts)
{
	int64_t due = t0 + (int64_t)((double)(written + 1) / p->rate * 1e9);
	int64_t wait = due - now_ns();

	if (wait < 1000000)
		wait = 1000000;
	if (wait > 200000000)
		wait = 200000000;
	ts->tv_sec = (time_t)(wait / 1000000000);
	ts->tv_nsec = (long)(wait % 1000000000);
}

/*
 * Run until SIGTERM/SIGINT/SIGHUP, rewriting volatile pages unless
 * paused (SIGUSR1 toggles).  A resume shifts the start time so that the
 * paused span is not caught up in one burst.  Returns the rewrites done.
 */
static uint64_t guest_loop(struct guest *gu, const sigset_t *set, int64_t t0)
{
	const struct plan *p = gu->p;
	bool active = p->n[C_VOLATILE] && p->rate > 0, paused = false;
	int64_t paused_at = 0;
	uint64_t written = 0;
	struct timespec ts;
	int sig;

	for (;;) {
		if (active && !paused) {
			rewrite_due(gu, t0, &written);
			next_timeout(p, t0, written, &ts);
			sig = sigtimedwait(set, NULL, &ts);
		} else {
			sig = sigwaitinfo(set, NULL);
		}
		if (sig < 0)
			continue;	/* EAGAIN: timeout; EINTR */
		if (sig == SIGUSR1) {
			if (paused)
				t0 += now_ns() - paused_at;
			else
				paused_at = now_ns();
			paused = !paused;
			continue;
		}
		if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP)
			return written;
	}
}

/*
 * KSM pages per class from the "KSM:" lines of /proc/self/smaps (kB);
 * -1 when the kernel has no such line.  Each area's header line carries
 * its start address, which tells the class.
 */
static void guest_ksm_kib(const struct guest *gu, int64_t *kib)
{
	unsigned long start, end;
	char line[512];
	int c, cur = -1;
	long long v;
	FILE *f;

	for (c = 0; c < NCLS; c++)
		kib[c] = -1;
	f = fopen("/proc/self/smaps", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		/* "start-end perms ...": no "Key:" line parses as that */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			cur = -1;
			for (c = 0; c < NCLS; c++)
				if (gu->base[c] && start == (unsigned long)gu->base[c])
					cur = c;
			continue;
		}
		if (cur >= 0 && sscanf(line, "KSM: %lld kB", &v) == 1)
			kib[cur] = (kib[cur] < 0 ? 0 : kib[cur]) + v;
	}
	fclose(f);
}

/* Compare every page with what was written last; count the bad ones. */
static void guest_verify(struct guest *gu, struct result_msg *res)
{
	const struct plan *p = gu->p;
	size_t j, off;
	int c;

	res->bad_pages = 0;
	res->first_cls = -1;
	for (c = 0; c < NCLS; c++) {
		for (j = 0; j < p->n[c]; j++) {
			const unsigned char *pg = page_addr(gu, c, j);
			const unsigned char *want = (const void *)gu->scratch;

			gen_page(p, c, gu->index, j, page_gen(gu, c, j), gu->scratch);
			if (!memcmp(pg, want, p->page_size))
				continue;
			if (!res->bad_pages++) {
				for (off = 0; pg[off] == want[off]; off++)
					;
				res->first_cls = c;
				res->first_page = j;
				res->first_off = off;
			}
		}
	}
}

static void guest_ready(const struct guest *gu, int up)
{
	struct ready_msg m;
	int c;

	memset(&m, 0, sizeof(m));
	m.type = MSG_READY;
	m.pid = (int32_t)getpid();
	for (c = 0; c < NCLS; c++) {
		if (!gu->base[c])
			continue;
		m.start[c] = (uint64_t)(uintptr_t)gu->base[c];
		m.end[c] = m.start[c] + gu->p->n[c] * gu->p->page_size;
	}
	if (write_msg(up, &m, sizeof(m)))
		die_errno("ready message", errno ? errno : EPIPE);
}

/*
 * A guest: map, fill, register, say ready, wait for the shared start
 * time, run, then verify and report.  Signals stay blocked (inherited)
 * and are taken with sigwait, so none is lost between check and wait.
 */
static int guest_main(struct plan *p, unsigned int index, int up, int go,
		      const sigset_t *set, pid_t parent)
{
	struct guest gu;
	struct result_msg res;
	int64_t t0;
	ssize_t n;

	/* the guests must not outlive the workload */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM))
		die_errno("prctl PR_SET_PDEATHSIG", errno);
	if (getppid() != parent)
		exit(EXIT_SYSCALL);
	memset(&gu, 0, sizeof(gu));
	gu.p = p;
	gu.index = index;
	if (p->merge == MERGE_PRCTL && prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0)) {
		fprintf(stderr, PROG ": prctl PR_SET_MEMORY_MERGE: %s\n",
			strerror(errno));
		exit(errno == EINVAL ? EXIT_NOFEATURE : EXIT_SYSCALL);
	}
	guest_map(&gu);
	guest_fill(&gu);
	guest_register(&gu);
	guest_ready(&gu, up);

	/* the start time; end of file: the workload is stopping already */
	n = read_full(go, &t0, sizeof(t0));
	close(go);
	memset(&res, 0, sizeof(res));
	res.type = MSG_RESULT;
	res.pid = (int32_t)getpid();
	if (n == (ssize_t)sizeof(t0))
		res.rewrites = guest_loop(&gu, set, t0);

	guest_ksm_kib(&gu, res.ksm_kib);
	guest_verify(&gu, &res);
	if (res.bad_pages)
		fprintf(stderr, PROG ": guest %u (pid %ld): VERIFY FAILED: %" PRIu64
			" pages differ from what was written; first: %s page %" PRIu64
			" byte %" PRIu64 "\n", index, (long)getpid(), res.bad_pages,
			cls_name[res.first_cls], res.first_page, res.first_off);
	if (write_msg(up, &res, sizeof(res)))
		die_errno("result message", errno ? errno : EPIPE);
	munmap(gu.map, gu.map_len);
	free(gu.gen);
	free(gu.scratch);
	return res.bad_pages ? EXIT_CORRUPT : 0;
}

static json_object *jnum(uint64_t v)
{
	return json_object_new_int64((int64_t)v);
}

/* A double printed with a fixed number of decimals, not 17 digits. */
static json_object *jdouble(double v, int decimals)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	return json_object_new_double_s(v, buf);
}

static json_object *jpages(const struct plan *p, uint64_t pages)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "pages", jnum(pages));
	json_object_object_add(o, "bytes", jnum(pages * p->page_size));
	return o;
}

static json_object *plan_json(const struct plan *p, const struct ideal *id)
{
	json_object *root = json_object_new_object();
	json_object *w = json_object_new_object(), *mix = json_object_new_object();
	json_object *ideal = json_object_new_object(), *by = json_object_new_object();
	int c;

	json_object_object_add(w, "guests", jnum(p->guests));
	json_object_object_add(w, "size_mib", jnum(p->size_mib));
	json_object_object_add(w, "page_size", jnum(p->page_size));
	json_object_object_add(w, "pages_per_guest", jnum(p->pages));
	for (c = 0; c < NCLS; c++) {
		json_object *m = json_object_new_object();

		json_object_object_add(m, "percent", jdouble(p->pct[c], 2));
		json_object_object_add(m, "pages_per_guest", jnum(p->n[c]));
		json_object_object_add(mix, cls_name[c], m);
	}
	json_object_object_add(w, "mix", mix);
	json_object_object_add(w, "dup_factor", jnum(p->dup_factor));
	json_object_object_add(w, "volatile_rate", jdouble(p->rate, 2));
	json_object_object_add(w, "merge", json_object_new_string(
				       p->merge == MERGE_PRCTL ? "prctl" : "madvise"));
	json_object_object_add(w, "seed", jnum(p->seed));
	json_object_object_add(w, "max_page_sharing", jnum(p->max_page_sharing));
	json_object_object_add(w, "max_page_sharing_from", json_object_new_string(
				       p->mps_from_kernel ? "kernel" : "option"));
	json_object_object_add(root, "workload", w);

	json_object_object_add(ideal, "counted_as",
			       json_object_new_string("pages_sharing + ksm_zero_pages"));
	json_object_object_add(ideal, "use_zero_pages_off", jpages(p, id->off));
	json_object_object_add(ideal, "use_zero_pages_on", jpages(p, id->on));
	json_object_object_add(ideal, "volatile_if_still", jpages(p, id->volatile_if_still));
	for (c = 0; c < NCLS; c++) {
		json_object *m = json_object_new_object();

		json_object_object_add(m, "use_zero_pages_off", jnum(id->cls[c]));
		json_object_object_add(m, "use_zero_pages_on",
				       jnum(c == C_ZERO ? id->zero_on : id->cls[c]));
		json_object_object_add(by, cls_name[c], m);
	}
	json_object_object_add(ideal, "by_class", by);
	json_object_object_add(root, "ideal", ideal);
	return root;
}

static int print_json(json_object *root)
{
	fputs(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
					     JSON_C_TO_STRING_SPACED |
					     JSON_C_TO_STRING_NOSLASHESCAPE), stdout);
	fputc('\n', stdout);
	json_object_put(root);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, PROG ": stdout: write failed: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* Renamed into place, so a poller never sees half a file. */
static void write_ready_file(const char *path, const struct plan *p,
			     const struct guest_proc *gp)
{
	char tmp[PATH_MAX];
	unsigned int g;
	FILE *f;
	int c, n;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		die_usage("--ready-file path too long", path);
	f = fopen(tmp, "w");
	if (!f)
		die_errno(tmp, errno);
	for (g = 0; g < p->guests; g++) {
		fprintf(f, "guest %ld", (long)gp[g].pid);
		for (c = 0; c < NCLS; c++)
			if (gp[g].ready.start[c])
				fprintf(f, " %s=%08" PRIx64 "-%08" PRIx64, cls_name[c],
					gp[g].ready.start[c], gp[g].ready.end[c]);
		fputc('\n', f);
	}
	if (fflush(f) || ferror(f) || fclose(f) || rename(tmp, path)) {
		int err = errno;

		unlink(tmp);
		die_errno(path, err);
	}
}

/*
 * Savings measured from the guests' page tables (see the top comment).
 * A hash set of the frames seen in one class (open addressing): every
 * further mapping of a frame already seen saves a page.
 */
struct stats {
	int *pagemap;			/* per guest, -1 if not open */
	uint64_t zero_pfn;		/* 0: unknown */
	uint64_t *entries;		/* pagemap entries of one area */
	uint64_t *set;			/* frames, 0 = free slot */
	size_t cap;			/* power of two */
	uint64_t seq;
	/* the last measurement */
	bool ok;
	const char *error;
	uint64_t saved[NCLS];
	struct timespec when;
};

#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)

static int pread_full(int fd, void *buf, size_t len, off_t off)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = pread(fd, (char *)buf + got, len - got, off + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* The frame of the shared zero page: what a read fault maps. */
static uint64_t find_zero_pfn(size_t ps)
{
	volatile unsigned char *p;
	uint64_t e = 0;
	int fd;

	p = mmap(NULL, ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	(void)p[0];
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (pread_full(fd, &e, sizeof(e), (off_t)((uintptr_t)p / ps * sizeof(e))))
			e = 0;
		close(fd);
	}
	munmap((void *)p, ps);
	return e & PM_PRESENT ? e & PM_PFN_MASK : 0;
}

static void stats_open(struct stats *st, const struct plan *p, const struct guest_proc *gp)
{
	size_t most = 0, want;
	unsigned int g;
	char path[64];
	int c;

	memset(st, 0, sizeof(*st));
	st->pagemap = calloc(p->guests, sizeof(*st->pagemap));
	for (c = 0; c < NCLS; c++)
		if (p->n[c] > most)
			most = p->n[c];
	want = 2 * most * p->guests + 2;
	for (st->cap = 1024; st->cap < want; st->cap <<= 1)
		;
	st->entries = malloc((most ? most : 1) * sizeof(*st->entries));
	st->set = malloc(st->cap * sizeof(*st->set));
	if (!st->pagemap || !st->entries || !st->set)
		die_errno("malloc", ENOMEM);
	for (g = 0; g < p->guests; g++) {
		snprintf(path, sizeof(path), "/proc/%ld/pagemap", (long)gp[g].pid);
		st->pagemap[g] = open(path, O_RDONLY | O_CLOEXEC);
	}
	st->zero_pfn = find_zero_pfn(p->page_size);
}

static void stats_close(struct stats *st, const struct plan *p)
{
	unsigned int g;

	for (g = 0; st->pagemap && g < p->guests; g++)
		if (st->pagemap[g] >= 0)
			close(st->pagemap[g]);
	free(st->pagemap);
	free(st->entries);
	free(st->set);
	st->pagemap = NULL;
}

/* Add one frame to the set; true if it was there already. */
static bool set_add(struct stats *st, uint64_t pfn)
{
	size_t h = (size_t)mix64(pfn) & (st->cap - 1);

	while (st->set[h]) {
		if (st->set[h] == pfn)
			return true;
		h = (h + 1) & (st->cap - 1);
	}
	st->set[h] = pfn;
	return false;
}

static void stats_take(struct stats *st, const struct plan *p, const struct guest_proc *gp)
{
	size_t ps = p->page_size, j;
	unsigned int g;
	int c;

	st->ok = false;
	memset(st->saved, 0, sizeof(st->saved));
	clock_gettime(CLOCK_REALTIME, &st->when);
	for (c = 0; c < NCLS; c++) {
		if (!p->n[c])
			continue;
		memset(st->set, 0, st->cap * sizeof(*st->set));
		for (g = 0; g < p->guests; g++) {
			off_t off = (off_t)(gp[g].ready.start[c] / ps * sizeof(uint64_t));

			if (st->pagemap[g] < 0 ||
			    pread_full(st->pagemap[g], st->entries,
				       p->n[c] * sizeof(uint64_t), off)) {
				st->error = "cannot read /proc/PID/pagemap";
				return;
			}
			for (j = 0; j < p->n[c]; j++) {
				uint64_t e = st->entries[j], pfn = e & PM_PFN_MASK;

				if (!(e & PM_PRESENT))
					continue;
				if (!pfn) {
					st->error = "no frame numbers in pagemap (needs CAP_SYS_ADMIN)";
					return;
				}
				if (pfn == st->zero_pfn || set_add(st, pfn))
					st->saved[c]++;
			}
		}
	}
	st->ok = true;
}

static uint64_t stats_total(const struct stats *st)
{
	uint64_t t = 0;
	int c;

	for (c = 0; c < NCLS; c++)
		t += st->saved[c];
	return t;
}

/* One line, renamed into place: readers never see half of it. */
static void stats_write(struct stats *st, const char *path)
{
	char tmp[PATH_MAX];
	FILE *f;
	int c, n;

	st->seq++;
	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		die_usage("--stats path too long", path);
	f = fopen(tmp, "w");
	if (!f)
		die_errno(tmp, errno);
	fprintf(f, "seq=%" PRIu64, st->seq);
	if (st->ok) {
		fprintf(f, " time=%lld.%06ld saved=%" PRIu64, (long long)st->when.tv_sec,
			st->when.tv_nsec / 1000, stats_total(st));
		for (c = 0; c < NCLS; c++)
			fprintf(f, " %s=%" PRIu64, cls_name[c], st->saved[c]);
	} else {
		fprintf(f, " error=%s", st->error ? st->error : "unknown");
	}
	fputc('\n', f);
	if (fflush(f) || ferror(f) || fclose(f) || rename(tmp, path)) {
		int err = errno;

		unlink(tmp);
		die_errno(path, err);
	}
}

static void signal_guests(const struct plan *p, struct guest_proc *gp, int sig)
{
	unsigned int g;

	for (g = 0; g < p->guests; g++)
		if (gp[g].pid > 0 && !gp[g].reaped)
			kill(gp[g].pid, sig);
}

/* A guest that exited early (CHLD): reap it; true if one did. */
static bool reap_early(const struct plan *p, struct guest_proc *gp)
{
	bool any = false;
	unsigned int g;

	for (g = 0; g < p->guests; g++) {
		if (gp[g].reaped || gp[g].pid <= 0)
			continue;
		if (waitpid(gp[g].pid, &gp[g].status, WNOHANG) == gp[g].pid) {
			gp[g].reaped = true;
			any = true;
		}
	}
	return any;
}

static void fork_guests(struct plan *p, struct guest_proc *gp, int go[2],
			const sigset_t *set)
{
	pid_t parent = getpid();
	unsigned int g, k;
	int up[2];

	for (g = 0; g < p->guests; g++) {
		if (pipe(up))
			die_errno("pipe", errno);
		fflush(NULL);
		gp[g].pid = fork();
		if (gp[g].pid < 0)
			die_errno("fork", errno);
		if (!gp[g].pid) {
			close(up[0]);
			close(go[1]);
			for (k = 0; k < g; k++)
				close(gp[k].up);
			_exit(guest_main(p, g, up[1], go[0], set, parent));
		}
		close(up[1]);
		gp[g].up = up[0];
	}
	close(go[0]);
}

/* Wait for every guest's ready message; false if one died first. */
static bool wait_ready(const struct plan *p, struct guest_proc *gp)
{
	unsigned int g;

	for (g = 0; g < p->guests; g++) {
		if (read_full(gp[g].up, &gp[g].ready, sizeof(gp[g].ready)) !=
		    (ssize_t)sizeof(gp[g].ready) || gp[g].ready.type != MSG_READY)
			return false;
		gp[g].got_ready = true;
	}
	return true;
}

/*
 * Block until a stop request; forward SIGUSR1, measure on SIGUSR2.
 * Returns the signal, -1 if a guest died.
 */
static int wait_stop(const struct plan *p, struct guest_proc *gp, const sigset_t *set,
		     struct stats *st)
{
	int sig;

	if (p->hold)
		alarm(p->hold);
	for (;;) {
		sig = sigwaitinfo(set, NULL);
		if (sig < 0)
			continue;
		switch (sig) {
		case SIGUSR1:
			signal_guests(p, gp, SIGUSR1);
			break;
		case SIGUSR2:
			if (p->stats_file) {
				stats_take(st, p, gp);
				stats_write(st, p->stats_file);
			}
			break;
		case SIGCHLD:
			if (reap_early(p, gp))
				return -1;
			break;
		default:	/* TERM, INT, HUP, ALRM */
			return sig;
		}
	}
}

static void collect(const struct plan *p, struct guest_proc *gp)
{
	unsigned int g;

	for (g = 0; g < p->guests; g++) {
		/* a guest stopped before its ready message was read sends it first */
		if (gp[g].up >= 0 && !gp[g].got_ready)
			read_full(gp[g].up, &gp[g].ready, sizeof(gp[g].ready));
		if (gp[g].up >= 0 &&
		    read_full(gp[g].up, &gp[g].result, sizeof(gp[g].result)) ==
		    (ssize_t)sizeof(gp[g].result) && gp[g].result.type == MSG_RESULT)
			gp[g].got_result = true;
		if (gp[g].up >= 0)
			close(gp[g].up);
		gp[g].up = -1;
		if (!gp[g].reaped && gp[g].pid > 0) {
			while (waitpid(gp[g].pid, &gp[g].status, 0) < 0 && errno == EINTR)
				;
			gp[g].reaped = true;
		}
	}
}

static json_object *guest_json(const struct guest_proc *gp, unsigned int g,
			       int *status)
{
	json_object *o = json_object_new_object(), *k = json_object_new_object();
	const struct result_msg *r = &gp->result;
	int c;

	json_object_object_add(o, "index", jnum(g));
	json_object_object_add(o, "pid", json_object_new_int(gp->pid));
	if (!gp->got_result) {
		const char *why = "died before reporting";

		if (WIFSIGNALED(gp->status))
			why = strsignal(WTERMSIG(gp->status));
		else if (WIFEXITED(gp->status) && WEXITSTATUS(gp->status) == EXIT_NOFEATURE)
			why = "the kernel refused the merge mode";
		fprintf(stderr, PROG ": guest %u (pid %ld): failed: %s\n", g,
			(long)gp->pid, why);
		json_object_object_add(o, "verified", json_object_new_boolean(0));
		json_object_object_add(o, "error", json_object_new_string(why));
		if (*status == 0)
			*status = WIFEXITED(gp->status) &&
				  WEXITSTATUS(gp->status) == EXIT_NOFEATURE ?
				  EXIT_NOFEATURE : EXIT_SYSCALL;
		return o;
	}
	json_object_object_add(o, "verified", json_object_new_boolean(!r->bad_pages));
	json_object_object_add(o, "bad_pages", jnum(r->bad_pages));
	if (r->bad_pages) {
		json_object *f = json_object_new_object();

		json_object_object_add(f, "class",
				       json_object_new_string(cls_name[r->first_cls]));
		json_object_object_add(f, "page", jnum(r->first_page));
		json_object_object_add(f, "offset", jnum(r->first_off));
		json_object_object_add(o, "first_bad", f);
		*status = EXIT_CORRUPT;
	}
	json_object_object_add(o, "volatile_rewrites", jnum(r->rewrites));
	for (c = 0; c < NCLS; c++)
		json_object_object_add(k, cls_name[c], r->ksm_kib[c] < 0 ? NULL :
				       json_object_new_int64(r->ksm_kib[c]));
	json_object_object_add(o, "ksm_kib_at_stop", k);
	return o;
}

static json_object *stats_json(const struct stats *st)
{
	json_object *o, *by;
	int c;

	if (!st->ok)
		return json_object_new_string(st->error ? st->error : "not measured");
	o = json_object_new_object();
	by = json_object_new_object();
	json_object_object_add(o, "pages", jnum(stats_total(st)));
	for (c = 0; c < NCLS; c++)
		json_object_object_add(by, cls_name[c], jnum(st->saved[c]));
	json_object_object_add(o, "by_class", by);
	return o;
}

static int summary(const struct plan *p, const struct ideal *id,
		   struct guest_proc *gp, const struct stats *st, double seconds,
		   const char *stopped_by)
{
	json_object *root = plan_json(p, id), *run = json_object_new_object();
	json_object *guests = json_object_new_array();
	uint64_t bad = 0, rewrites = 0;
	unsigned int g;
	int status = 0;

	for (g = 0; g < p->guests; g++) {
		json_object_array_add(guests, guest_json(&gp[g], g, &status));
		bad += gp[g].result.bad_pages;
		rewrites += gp[g].result.rewrites;
	}
	json_object_object_add(run, "seconds", jdouble(seconds, 3));
	json_object_object_add(run, "stopped_by", json_object_new_string(stopped_by));
	json_object_object_add(run, "volatile_rewrites", jnum(rewrites));
	json_object_object_add(run, "bad_pages", jnum(bad));
	json_object_object_add(run, "saved_at_stop", stats_json(st));
	json_object_object_add(run, "verified", json_object_new_boolean(status == 0));
	json_object_object_add(run, "guests", guests);
	json_object_object_add(root, "run", run);
	json_object_object_add(root, "status", json_object_new_string(
				       status == 0 ? "ok" : status == EXIT_CORRUPT ?
				       "corrupt" : "error"));
	if (status == EXIT_CORRUPT)
		fprintf(stderr, PROG ": VERIFY FAILED: %" PRIu64
			" pages no longer hold what was written\n", bad);
	if (print_json(root) && !status)
		status = EXIT_SYSCALL;
	return status;
}

int main(int argc, char **argv)
{
	struct plan p = {
		.guests = 4,
		.size_mib = 256,
		.pct = { [C_SHARED] = 40, [C_DUP] = 10, [C_ZERO] = 15, [C_VOLATILE] = 5 },
		.dup_factor = 4,
		.rate = 100,
		.merge = MERGE_MADVISE,
		.seed = 1,
	};
	struct guest_proc *gp;
	struct stats st = { .error = "not measured" };
	struct ideal id;
	sigset_t set;
	int go[2], status, sig;
	int64_t start;
	long ps;
	bool ok;
	unsigned int g;
	const char *stopped_by = "signal";

	parse_args(argc, argv, &p);
	ps = sysconf(_SC_PAGESIZE);
	if (ps <= 0 || ps % (long)sizeof(uint64_t))
		die_errno("sysconf _SC_PAGESIZE", ps <= 0 ? errno : EINVAL);
	p.page_size = (size_t)ps;
	read_max_page_sharing(&p);
	size_classes(&p);
	compute_ideal(&p, &id);
	if (p.plan_only)
		return print_json(plan_json(&p, &id)) ? EXIT_SYSCALL : 0;

	/* blocked here, inherited by the guests, taken with sigwait */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGALRM);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		die_errno("sigprocmask", errno);
	/* a closed stdout must be an error, not a silent death */
	signal(SIGPIPE, SIG_IGN);

	gp = calloc(p.guests, sizeof(*gp));
	if (!gp)
		die_errno("calloc", ENOMEM);
	for (g = 0; g < p.guests; g++)
		gp[g].up = -1;
	if (pipe(go))
		die_errno("pipe", errno);
	start = now_ns();
	fork_guests(&p, gp, go, &set);

	ok = wait_ready(&p, gp);
	if (ok) {
		int64_t t0 = now_ns();

		for (g = 0; g < p.guests; g++)
			if (write_msg(go[1], &t0, sizeof(t0)))
				die_errno("start message", errno);
		close(go[1]);
		stats_open(&st, &p, gp);
		if (p.ready_file)
			write_ready_file(p.ready_file, &p, gp);
		sig = wait_stop(&p, gp, &set, &st);
		ok = sig > 0;
		/* what merging achieved, before the guests stop */
		if (ok)
			stats_take(&st, &p, gp);
		stats_close(&st, &p);
		if (!ok)
			stopped_by = "a guest died";
		else if (sig == SIGALRM)
			stopped_by = "hold";
	} else {
		close(go[1]);
		stopped_by = "a guest failed to start";
	}
	signal_guests(&p, gp, SIGTERM);
	collect(&p, gp);
	status = summary(&p, &id, gp, &st, (double)(now_ns() - start) / 1e9, stopped_by);
	if (!ok && !status)
		status = EXIT_SYSCALL;
	free(gp);
	return status;
}
