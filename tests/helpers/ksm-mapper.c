// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksm-mapper - give KSM something to merge, then check it did no harm.
 *
 * Real-kernel tests need a process with a known amount of mergeable
 * memory and known contents: this helper maps N anonymous pages, fills
 * them with a pattern that can be recomputed from a seed, registers them
 * with KSM, says "ready" and waits.  When told to stop it re-reads every
 * page, because merging (and unmerging on run=2) must never change what
 * a process sees.
 *
 * usage: ksm-mapper [--pages N] [--mode madvise|prctl|none]
 *                   [--pattern same|zero|unique|mixed] [--seed S]
 *                   [--ready-file PATH] [--hold SECONDS] [--reserve-gib N]
 *
 * Patterns (page i of N):
 *   same    every page holds the same non-zero bytes, derived from the seed
 *   zero    every page is zero-filled (written first, so it is populated)
 *   unique  every page differs from every other (and from "same" pages)
 *   mixed   pages [0, N/2) same, [N/2, N/2 + N/4) zero, the rest unique
 *
 * Signals: SIGTERM/SIGINT verify and exit; SIGUSR1 verifies and keeps
 * waiting; --hold SECONDS (0 = forever, the default) ends the wait too.
 *
 * Exit status:
 *   0  every page verified
 *   1  system call failed
 *   2  bad usage
 *   3  the kernel lacks the feature (EINVAL from madvise/prctl)
 *   4  a page no longer holds what was written
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

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

#define PROG "ksm-mapper"

enum {
	EXIT_SYSCALL = 1,
	EXIT_USAGE = 2,
	EXIT_NOFEATURE = 3,
	EXIT_CORRUPT = 4,
};

enum merge_mode { MODE_MADVISE, MODE_PRCTL, MODE_NONE };
enum pattern { PAT_SAME, PAT_ZERO, PAT_UNIQUE, PAT_MIXED };
enum page_kind { KIND_SAME, KIND_ZERO, KIND_UNIQUE };

struct options {
	size_t pages;
	enum merge_mode mode;
	enum pattern pattern;
	uint64_t seed;
	const char *ready_file;
	unsigned int hold;
	uint64_t reserve_gib;
};

struct area {
	unsigned char *base;
	size_t page_size;
	size_t pages;
	enum pattern pattern;
	uint64_t seed;
	unsigned char *scratch;	/* one page, outside the area, for verify */
};

/* Handlers only record what happened; all work is done in main's loop. */
static volatile sig_atomic_t got_stop;
static volatile sig_atomic_t got_verify;
static volatile sig_atomic_t got_alarm;

static void on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
}

static void on_verify(int sig)
{
	(void)sig;
	got_verify = 1;
}

static void on_alarm(int sig)
{
	(void)sig;
	got_alarm = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [--pages N] [--mode madvise|prctl|none]\n"
		"       [--pattern same|zero|unique|mixed] [--seed S]\n"
		"       [--ready-file PATH] [--hold SECONDS] [--reserve-gib N]\n");
}

/* "what" names the problem, "arg" is the offending word, quoted. */
static void die_usage(const char *what, const char *arg)
{
	fprintf(stderr, PROG ": %s '%s'\n", what, arg);
	usage(stderr);
	exit(EXIT_USAGE);
}

/*
 * Report a failed call and exit.  EINVAL from the KSM calls means the
 * kernel was built without the feature, which a test wants to tell
 * apart from a real failure (to print SKIP rather than FAIL).
 */
static void die_errno(const char *what, int err, int einval_is_nofeature)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(err));
	exit(einval_is_nofeature && err == EINVAL ? EXIT_NOFEATURE : EXIT_SYSCALL);
}

/* Decimal only, whole string, no sign: "10x", "-1" and "" are refused. */
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

static enum merge_mode parse_mode(const char *s)
{
	if (!strcmp(s, "madvise"))
		return MODE_MADVISE;
	if (!strcmp(s, "prctl"))
		return MODE_PRCTL;
	if (!strcmp(s, "none"))
		return MODE_NONE;
	die_usage("bad --mode", s);
	return MODE_NONE;
}

static enum pattern parse_pattern(const char *s)
{
	if (!strcmp(s, "same"))
		return PAT_SAME;
	if (!strcmp(s, "zero"))
		return PAT_ZERO;
	if (!strcmp(s, "unique"))
		return PAT_UNIQUE;
	if (!strcmp(s, "mixed"))
		return PAT_MIXED;
	die_usage("bad --pattern", s);
	return PAT_SAME;
}

static void parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "pages", required_argument, NULL, 'n' },
		{ "mode", required_argument, NULL, 'm' },
		{ "pattern", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 's' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "hold", required_argument, NULL, 'H' },
		{ "reserve-gib", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_u64(optarg, &v) || v == 0 || v > SIZE_MAX)
				die_usage("bad --pages", optarg);
			o->pages = (size_t)v;
			break;
		case 'm':
			o->mode = parse_mode(optarg);
			break;
		case 'p':
			o->pattern = parse_pattern(optarg);
			break;
		case 's':
			if (parse_u64(optarg, &o->seed))
				die_usage("bad --seed", optarg);
			break;
		case 'r':
			o->ready_file = optarg;
			break;
		case 'H':
			if (parse_u64(optarg, &v) || v > UINT_MAX)
				die_usage("bad --hold", optarg);
			o->hold = (unsigned int)v;
			break;
		case 'R':
			if (parse_u64(optarg, &v) || v > (1ULL << 20))
				die_usage("bad --reserve-gib", optarg);
			o->reserve_gib = v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(EXIT_USAGE);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument", argv[optind]);
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
 * Which kind page i is.  Kept as a pure function of (pattern, i, n) so
 * verify recomputes exactly what fill wrote.
 */
static enum page_kind page_kind(enum pattern pat, size_t i, size_t n)
{
	switch (pat) {
	case PAT_SAME:
		return KIND_SAME;
	case PAT_ZERO:
		return KIND_ZERO;
	case PAT_UNIQUE:
		return KIND_UNIQUE;
	case PAT_MIXED:
		break;
	}
	if (i < n / 2)
		return KIND_SAME;
	if (i < n / 2 + n / 4)
		return KIND_ZERO;
	return KIND_UNIQUE;
}

/*
 * Fill buf with what page i must hold.  A xorshift64 stream started
 * from a non-zero state never yields a zero word, so "same" and
 * "unique" pages are never zero pages (which KSM treats specially with
 * use_zero_pages).  Unique pages also carry their index in the first
 * word, so two of them can never be equal however the stream falls.
 */
static void expected_page(const struct area *a, size_t i, unsigned char *buf)
{
	enum page_kind kind = page_kind(a->pattern, i, a->pages);
	uint64_t state, word;
	size_t off;

	if (kind == KIND_ZERO) {
		memset(buf, 0, a->page_size);
		return;
	}
	state = mix64(a->seed);
	if (kind == KIND_UNIQUE)
		state = mix64(state ^ mix64((uint64_t)i + 1));
	if (!state)
		state = 0x2545f4914f6cdd1dULL;

	for (off = 0; off < a->page_size; off += sizeof(word)) {
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		word = state;
		if (kind == KIND_UNIQUE && off == 0)
			word = (uint64_t)i + 1;
		memcpy(buf + off, &word, sizeof(word));
	}
}

static unsigned char *page_addr(const struct area *a, size_t i)
{
	return a->base + i * a->page_size;
}

static void fill_area(const struct area *a)
{
	size_t i;

	for (i = 0; i < a->pages; i++) {
		unsigned char *p = page_addr(a, i);

		/*
		 * Write a non-zero byte first so a zero page is really
		 * allocated: a never-touched page maps the shared zero page
		 * and KSM would have nothing to scan.
		 */
		p[0] = 1;
		expected_page(a, i, a->scratch);
		memcpy(p, a->scratch, a->page_size);
	}
}

/*
 * Compare every page with what fill wrote.  Returns 0, or -1 with the
 * first bad page and byte offset.
 */
static int verify_area(const struct area *a, size_t *bad_page, size_t *bad_off)
{
	size_t i, off;

	for (i = 0; i < a->pages; i++) {
		const unsigned char *p = page_addr(a, i);

		expected_page(a, i, a->scratch);
		if (!memcmp(p, a->scratch, a->page_size))
			continue;
		for (off = 0; p[off] == a->scratch[off]; off++)
			;
		*bad_page = i;
		*bad_off = off;
		return -1;
	}
	return 0;
}

/* Large areas would be promoted to THPs, which KSM does not see whole. */
static void no_huge_pages(const struct area *a)
{
	if (!madvise(a->base, a->pages * a->page_size, MADV_NOHUGEPAGE))
		return;
	/* A kernel without THP refuses the advice: nothing to avoid then. */
	if (errno == EINVAL)
		return;
	die_errno("madvise MADV_NOHUGEPAGE", errno, 0);
}

static void map_area(struct area *a)
{
	size_t len;
	void *p;

	if (a->pages > SIZE_MAX / a->page_size) {
		fprintf(stderr, PROG ": %zu pages overflow the address space\n",
			a->pages);
		exit(EXIT_USAGE);
	}
	len = a->pages * a->page_size;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die_errno("mmap", errno, 0);
	a->base = p;

	a->scratch = malloc(a->page_size);
	if (!a->scratch)
		die_errno("malloc", ENOMEM, 0);
}

/* Explicit, so that leak checkers (the ASan build) stay quiet. */
static void unmap_area(struct area *a)
{
	munmap(a->base, a->pages * a->page_size);
	free(a->scratch);
	a->base = NULL;
	a->scratch = NULL;
}

/*
 * prctl must come before mmap: it marks the whole process, and the new
 * area inherits the mark when it is created.
 */
static void register_process(enum merge_mode mode)
{
	if (mode != MODE_PRCTL)
		return;
	if (prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0))
		die_errno("prctl PR_SET_MEMORY_MERGE", errno, 1);
}

static void register_area(const struct area *a, enum merge_mode mode)
{
	if (mode != MODE_MADVISE)
		return;
	if (madvise(a->base, a->pages * a->page_size, MADV_MERGEABLE))
		die_errno("madvise MADV_MERGEABLE", errno, 1);
}

/*
 * --reserve-gib: a large mergeable area that is never touched.  It costs
 * no memory, but run=2 walks every page table entry of it, which makes
 * an unmerge last long enough to interrupt in a test.  Left mapped
 * until exit.
 */
static void reserve_area(uint64_t gib, enum merge_mode mode)
{
	size_t len = (size_t)(gib << 30);
	void *p;

	if (!gib)
		return;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		die_errno("mmap --reserve-gib", errno, 0);
	if (mode == MODE_MADVISE && madvise(p, len, MADV_MERGEABLE))
		die_errno("madvise MADV_MERGEABLE", errno, 1);
}

/*
 * Readers poll for the file, so it must appear complete: write a
 * temporary name in the same directory, then rename over the target.
 */
static void write_ready_file(const char *path)
{
	char tmp[PATH_MAX];
	FILE *f;
	int n;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		fprintf(stderr, PROG ": --ready-file path too long\n");
		exit(EXIT_USAGE);
	}
	f = fopen(tmp, "w");
	if (!f)
		die_errno(tmp, errno, 0);
	fprintf(f, "%ld\n", (long)getpid());
	if (fflush(f) || fsync(fileno(f))) {
		int err = errno;

		fclose(f);
		unlink(tmp);
		die_errno(tmp, err, 0);
	}
	if (fclose(f)) {
		unlink(tmp);
		die_errno(tmp, errno, 0);
	}
	if (rename(tmp, path)) {
		int err = errno;

		unlink(tmp);
		die_errno(path, err, 0);
	}
}

/*
 * The file comes first so that a test which saw the "ready" line can
 * also rely on the file being there.
 */
static void announce_ready(const struct area *a, const char *ready_file)
{
	if (ready_file)
		write_ready_file(ready_file);
	printf("ready pid=%ld pages=%zu page_size=%zu\n",
	       (long)getpid(), a->pages, a->page_size);
	fflush(stdout);
}

static void set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		die_errno("sigaction", errno, 0);
}

/*
 * Block the signals we wait for before installing handlers: a flag is
 * then only set inside sigsuspend(), after we checked it, so a signal
 * cannot slip in between the check and the wait and be missed.
 */
static void setup_signals(sigset_t *wait_mask)
{
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGALRM);
	if (sigprocmask(SIG_BLOCK, &block, wait_mask))
		die_errno("sigprocmask", errno, 0);
	sigdelset(wait_mask, SIGTERM);
	sigdelset(wait_mask, SIGINT);
	sigdelset(wait_mask, SIGUSR1);
	sigdelset(wait_mask, SIGALRM);

	set_handler(SIGTERM, on_stop);
	set_handler(SIGINT, on_stop);
	set_handler(SIGUSR1, on_verify);
	set_handler(SIGALRM, on_alarm);
}

/* SIGUSR1: a mid-test check; the result goes to stdout for the test. */
static void verify_now(const struct area *a)
{
	size_t page, off;

	if (verify_area(a, &page, &off))
		printf("verify FAILED at page %zu\n", page);
	else
		printf("verify ok\n");
	fflush(stdout);
}

static void wait_for_stop(const struct area *a, const sigset_t *wait_mask,
			  unsigned int hold)
{
	if (hold)
		alarm(hold);
	while (!got_stop && !got_alarm) {
		if (got_verify) {
			got_verify = 0;
			verify_now(a);
			continue;
		}
		sigsuspend(wait_mask);
	}
}

static int final_verify(const struct area *a)
{
	size_t page, off;

	if (verify_area(a, &page, &off)) {
		fprintf(stderr, "verify FAILED at page %zu offset %zu\n",
			page, off);
		return EXIT_CORRUPT;
	}
	printf("verify ok\n");
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = {
		.pages = 1024,
		.mode = MODE_MADVISE,
		.pattern = PAT_SAME,
		.seed = 1,
	};
	struct area a;
	sigset_t wait_mask;
	long ps;
	int status;

	parse_args(argc, argv, &o);

	ps = sysconf(_SC_PAGESIZE);
	if (ps <= 0 || ps % (long)sizeof(uint64_t))
		die_errno("sysconf _SC_PAGESIZE", ps <= 0 ? errno : EINVAL, 0);

	memset(&a, 0, sizeof(a));
	a.page_size = (size_t)ps;
	a.pages = o.pages;
	a.pattern = o.pattern;
	a.seed = o.seed;

	setup_signals(&wait_mask);
	register_process(o.mode);
	map_area(&a);
	no_huge_pages(&a);
	fill_area(&a);
	register_area(&a, o.mode);
	reserve_area(o.reserve_gib, o.mode);
	announce_ready(&a, o.ready_file);

	wait_for_stop(&a, &wait_mask, o.hold);
	status = final_verify(&a);
	unmap_area(&a);
	return status;
}
