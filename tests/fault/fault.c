// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libfault.so - make chosen file operations fail, for tests only.
 *
 * LD_PRELOAD=build/fault/libfault.so FAULT='RULE[,RULE...]' ksmctl ...
 *
 *   RULE = SUFFIX:OP:WHAT[:AFTER[:COUNT]]
 *   SUFFIX  the end of the file's path ("ksm/pages_to_scan", "meminfo"),
 *           or * for every file
 *   OP      open (any open), ropen (for reading), wopen (for writing),
 *           read, write, close, or any
 *   WHAT    an errno name (EBUSY, EINTR, ENOMEM, EACCES, EROFS, EIO,
 *           ENOENT, ...) or number; "short" (reads return one byte at a
 *           time, a write takes all but the last byte); "eof" (reads
 *           find the file empty); "ignore" (a write succeeds but the file
 *           keeps its value, as a store that ignores it); "trace" (no
 *           fault: only logged, to count operations)
 *   AFTER   let the first AFTER matching operations through (default 0)
 *   COUNT   then fail this many (default 0: every one after)
 *
 * One rule can also be given as FAULT_PATH, FAULT_OP, FAULT_ERRNO,
 * FAULT_AFTER and FAULT_COUNT.  FAULT_LOG=FILE appends one line per
 * injected fault ("write sys/kernel/mm/ksm/run EBUSY"), so a test can
 * check that its fault was really met.
 *
 * ksmctl opens everything relative to a directory descriptor of the
 * sysroot (openat), so the shim remembers each descriptor's path and
 * matches the joined path.  The counters live in shared memory: a child
 * process (unmerge-all writes run=2 in one) counts on from its parent.
 *
 * Fixture trees are plain files, not sysfs: to make them behave like
 * sysfs, writes to files below a "sys/" directory replace the content
 * (pwrite at 0, then truncate) and O_TRUNC is dropped when they are
 * opened, so a write that fails leaves the old value as the kernel
 * would.  With FAULT_KSM=1 a write of 2 to a ksm/run file also zeroes the
 * page counters next to it, as the kernel's unmerge does, so the
 * --unmerge paths get past their wait for the stable tree to drain.
 * Only loaded by the fault tests; never part of ksmctl.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

enum fault_op { OP_OPEN, OP_ROPEN, OP_WOPEN, OP_READ, OP_WRITE, OP_CLOSE,
		OP_ANY };
enum { WHAT_ERRNO, WHAT_SHORT, WHAT_EOF, WHAT_IGNORE, WHAT_TRACE };

#define MAX_RULES 8
#define MAX_FDS 4096

struct rule {
	char suffix[256];
	enum fault_op op;
	int what;
	int err;
	long after, count;
};

/* Shared with child processes: how often each rule matched and fired. */
struct counters {
	long seen[MAX_RULES];
	long fired[MAX_RULES];
};

static struct rule rules[MAX_RULES];
static int nrules;
static struct counters *ctr;
static char *fd_path[MAX_FDS];
static bool fd_sysfs[MAX_FDS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int (*real_openat)(int, const char *, int, ...);
static int (*real_open)(const char *, int, ...);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_close)(int);

static const struct {
	const char *name;
	int err;
} errnos[] = {
	{ "EBUSY", EBUSY }, { "EINTR", EINTR }, { "ENOMEM", ENOMEM },
	{ "EACCES", EACCES }, { "EROFS", EROFS }, { "EIO", EIO },
	{ "ENOENT", ENOENT }, { "EPERM", EPERM }, { "EINVAL", EINVAL },
	{ "ENODEV", ENODEV }, { "ENOSPC", ENOSPC }, { "EAGAIN", EAGAIN },
	{ "EFBIG", EFBIG }, { "ERANGE", ERANGE }, { "ENXIO", ENXIO },
};

static const char *const op_names[] = {
	"open", "ropen", "wopen", "read", "write", "close", "any"
};

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("libfault: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(125);
}

static const char *errno_name(int err)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].err == err)
			return errnos[i].name;
	return "E?";
}

static void parse_rule(const char *suffix, const char *op, const char *what,
		       const char *after, const char *count)
{
	struct rule *r = &rules[nrules];
	size_t i;

	if (nrules == MAX_RULES)
		die("more than %d rules", MAX_RULES);
	if (!suffix || !*suffix || strlen(suffix) >= sizeof(r->suffix))
		die("bad path suffix");
	strcpy(r->suffix, suffix);
	for (i = 0; i <= OP_ANY; i++)
		if (op && !strcmp(op, op_names[i]))
			break;
	if (i > OP_ANY)
		die("bad operation '%s' (open, ropen, wopen, read, write, close, any)",
		    op ? op : "");
	r->op = (enum fault_op)i;
	if (!what)
		die("no error given");
	if (!strcmp(what, "short")) {
		r->what = WHAT_SHORT;
	} else if (!strcmp(what, "eof")) {
		r->what = WHAT_EOF;
	} else if (!strcmp(what, "ignore")) {
		r->what = WHAT_IGNORE;
	} else if (!strcmp(what, "trace")) {
		r->what = WHAT_TRACE;
	} else {
		r->what = WHAT_ERRNO;
		r->err = atoi(what);
		for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
			if (!strcmp(what, errnos[i].name))
				r->err = errnos[i].err;
		if (r->err <= 0)
			die("bad error '%s'", what);
	}
	r->after = after && *after ? atol(after) : 0;
	r->count = count && *count ? atol(count) : 0;
	nrules++;
}

static void parse_spec(char *spec)
{
	for (char *save = NULL, *rule = strtok_r(spec, ",", &save); rule;
	     rule = strtok_r(NULL, ",", &save)) {
		char *f[5] = { 0 };
		int n = 0;

		for (char *p = rule; n < 5; n++) {
			f[n] = p;
			p = strchr(p, ':');
			if (!p) {
				n++;
				break;
			}
			*p++ = '\0';
		}
		parse_rule(f[0], f[1], f[2], f[3], f[4]);
	}
}

__attribute__((constructor)) static void fault_init(void)
{
	const char *spec = getenv("FAULT");

	real_openat = dlsym(RTLD_NEXT, "openat");
	real_open = dlsym(RTLD_NEXT, "open");
	real_read = dlsym(RTLD_NEXT, "read");
	real_write = dlsym(RTLD_NEXT, "write");
	real_close = dlsym(RTLD_NEXT, "close");
	if (!real_openat || !real_open || !real_read || !real_write ||
	    !real_close)
		die("cannot find the libc functions");
	if (spec && *spec) {
		char *copy = strdup(spec);

		if (!copy)
			die("out of memory");
		parse_spec(copy);
		free(copy);
	} else if (getenv("FAULT_PATH")) {
		parse_rule(getenv("FAULT_PATH"), getenv("FAULT_OP"),
			   getenv("FAULT_ERRNO"), getenv("FAULT_AFTER"),
			   getenv("FAULT_COUNT"));
	}
	ctr = mmap(NULL, sizeof(*ctr), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ctr == MAP_FAILED)
		die("mmap: %s", strerror(errno));
}

static void log_fault(enum fault_op op, const char *path, const char *what)
{
	const char *file = getenv("FAULT_LOG");
	char line[PATH_MAX + 64];
	int fd, n;

	if (!file)
		return;
	fd = real_open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%s %s %s\n", op_names[op], path, what);
	if (n > 0)
		real_write(fd, line, (size_t)n < sizeof(line) ? (size_t)n :
							      sizeof(line) - 1);
	real_close(fd);
}

static bool ends_with(const char *path, const char *suffix)
{
	size_t pl = strlen(path), sl = strlen(suffix);

	if (!strcmp(suffix, "*"))
		return true;
	return pl >= sl && !strcmp(path + pl - sl, suffix) &&
	       (pl == sl || path[pl - sl - 1] == '/' || suffix[0] == '/');
}

/* open matches both kinds of open; any matches every operation */
static bool op_matches(enum fault_op rule, enum fault_op op)
{
	return rule == op || rule == OP_ANY ||
	       (rule == OP_OPEN && (op == OP_ROPEN || op == OP_WOPEN));
}

/* The rule that fires for op on path now, or NULL. */
static const struct rule *fault_for(enum fault_op op, const char *path)
{
	if (!path || !ctr)
		return NULL;
	for (int i = 0; i < nrules; i++) {
		const struct rule *r = &rules[i];
		long seen, fired;

		if (!op_matches(r->op, op) || !ends_with(path, r->suffix))
			continue;
		seen = __atomic_add_fetch(&ctr->seen[i], 1, __ATOMIC_SEQ_CST);
		if (seen <= r->after)
			continue;
		fired = __atomic_add_fetch(&ctr->fired[i], 1, __ATOMIC_SEQ_CST);
		if (r->count && fired > r->count)
			continue;
		log_fault(op, path, r->what == WHAT_SHORT ? "short" :
				    r->what == WHAT_EOF ? "eof" :
				    r->what == WHAT_IGNORE ? "ignore" :
				    r->what == WHAT_TRACE ? "trace" :
				    errno_name(r->err));
		if (r->what == WHAT_TRACE)
			continue;
		return r;
	}
	return NULL;
}

static char *join(int dirfd, const char *path)
{
	const char *base = NULL;
	char *out;

	if (path[0] != '/' && dirfd != AT_FDCWD && dirfd >= 0 && dirfd < MAX_FDS)
		base = fd_path[dirfd];
	if (path[0] != '/' && dirfd != AT_FDCWD && !base)
		base = "?";
	if (!base)
		return strdup(path);
	out = malloc(strlen(base) + strlen(path) + 2);
	if (out)
		sprintf(out, "%s/%s", base, path);
	return out;
}

/* Files of a fixture's sys/ tree stand in for sysfs attributes. */
static bool sysfs_like(const char *path)
{
	return strstr(path, "/sys/") || !strncmp(path, "sys/", 4);
}

static int do_open(int dirfd, const char *path, int flags, mode_t mode,
		   bool at)
{
	char *full = join(dirfd, path);
	const struct rule *r;
	bool sysfs = full && sysfs_like(full) && (flags & O_ACCMODE) != O_RDONLY;
	int fd;

	pthread_mutex_lock(&lock);
	r = fault_for((flags & O_ACCMODE) == O_RDONLY ? OP_ROPEN : OP_WOPEN,
		      full);
	pthread_mutex_unlock(&lock);
	if (r && r->what == WHAT_ERRNO) {
		free(full);
		errno = r->err;
		return -1;
	}
	if (sysfs)
		flags &= ~O_TRUNC;
	fd = at ? real_openat(dirfd, path, flags, mode) :
		  real_open(path, flags, mode);
	if (fd >= 0 && fd < MAX_FDS) {
		pthread_mutex_lock(&lock);
		free(fd_path[fd]);
		fd_path[fd] = full;
		fd_sysfs[fd] = sysfs;
		full = NULL;
		pthread_mutex_unlock(&lock);
	}
	free(full);
	return fd;
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return do_open(dirfd, path, flags, mode, true);
}

int openat64(int dirfd, const char *path, int flags, ...)
	__attribute__((alias("openat")));

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return do_open(AT_FDCWD, path, flags, mode, false);
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));

/* _FORTIFY_SOURCE's checked variants */
int __open_2(const char *path, int flags)
{
	return do_open(AT_FDCWD, path, flags, 0, false);
}

int __open64_2(const char *path, int flags) __attribute__((alias("__open_2")));

int __openat_2(int dirfd, const char *path, int flags)
{
	return do_open(dirfd, path, flags, 0, true);
}

int __openat64_2(int dirfd, const char *path, int flags)
	__attribute__((alias("__openat_2")));

static const struct rule *fault_fd(enum fault_op op, int fd)
{
	const struct rule *r = NULL;

	if (fd < 0 || fd >= MAX_FDS)
		return NULL;
	pthread_mutex_lock(&lock);
	if (fd_path[fd])
		r = fault_for(op, fd_path[fd]);
	pthread_mutex_unlock(&lock);
	return r;
}

/* run=2 in a fixture: the counters an unmerge empties read 0. */
static void emulate_unmerge(const char *run)
{
	static const char *const counters[] = {
		"pages_shared", "pages_sharing", "pages_unshared",
		"pages_volatile", "ksm_zero_pages", "general_profit",
		"full_scans", "stable_node_chains", "stable_node_dups",
	};
	char path[PATH_MAX];
	size_t dir;

	if (!run || !ends_with(run, "ksm/run"))
		return;
	dir = strlen(run) - strlen("run");
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		int fd;

		snprintf(path, sizeof(path), "%.*s%s", (int)dir, run, counters[i]);
		fd = real_open(path, O_WRONLY | O_TRUNC | O_CLOEXEC, 0);
		if (fd < 0)
			continue;
		real_write(fd, "0\n", 2);
		real_close(fd);
	}
}

ssize_t read(int fd, void *buf, size_t count)
{
	const struct rule *r = fault_fd(OP_READ, fd);

	if (r && r->what == WHAT_EOF)
		return 0;
	if (r && r->what == WHAT_SHORT && count > 1)
		count = 1;
	else if (r && r->what == WHAT_ERRNO) {
		errno = r->err;
		return -1;
	}
	return real_read(fd, buf, count);
}

ssize_t write(int fd, const void *buf, size_t count)
{
	const struct rule *r = fault_fd(OP_WRITE, fd);
	bool sysfs = fd >= 0 && fd < MAX_FDS && fd_sysfs[fd];
	ssize_t n;

	if (r && r->what == WHAT_ERRNO) {
		errno = r->err;
		return -1;
	}
	if (r && r->what == WHAT_SHORT && count > 1)
		count--;
	if (r && r->what == WHAT_IGNORE)
		return (ssize_t)count;
	if (!sysfs)
		return real_write(fd, buf, count);
	/* a sysfs store sees the whole value and replaces the old one */
	n = pwrite(fd, buf, count, 0);
	if (n >= 0 && ftruncate(fd, n) < 0)
		return -1;
	if (n > 0 && ((const char *)buf)[0] == '2' && getenv("FAULT_KSM"))
		emulate_unmerge(fd_path[fd]);
	return n;
}

int close(int fd)
{
	const struct rule *r = fault_fd(OP_CLOSE, fd);
	int ret;

	if (fd >= 0 && fd < MAX_FDS) {
		pthread_mutex_lock(&lock);
		free(fd_path[fd]);
		fd_path[fd] = NULL;
		fd_sysfs[fd] = false;
		pthread_mutex_unlock(&lock);
	}
	ret = real_close(fd);
	/* close releases the descriptor whatever it returns */
	if (r && r->what == WHAT_ERRNO) {
		errno = r->err;
		return -1;
	}
	return ret;
}
