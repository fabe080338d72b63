/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the unit tests: throw-away sysroot trees under
 * $TMPDIR, built file by file, so every test states the kernel it
 * pretends to be.  Include after <cmocka.h>.
 */
#ifndef KSMCTL_TESTUTIL_H
#define KSMCTL_TESTUTIL_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define TU_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A fresh empty directory; free() the result after tu_rmtree(). */
static inline char *tu_mkroot(void)
{
	const char *tmp = getenv("TMPDIR");
	char *path;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (asprintf(&path, "%s/ksmctl-unit.XXXXXX", tmp) < 0)
		fail_msg("asprintf: out of memory");
	if (!mkdtemp(path))
		fail_msg("mkdtemp %s: %s", path, strerror(errno));
	/* readable by the unprivileged child of tu_as_nobody() */
	chmod(path, 0755);
	return path;
}

static inline void tu_path(char *buf, size_t size, const char *root,
			   const char *rel)
{
	if ((size_t)snprintf(buf, size, "%s/%s", root, rel) >= size)
		fail_msg("path too long: %s/%s", root, rel);
}

/* mkdir -p of root/rel */
static inline void tu_mkdirs(const char *root, const char *rel)
{
	char path[PATH_MAX];

	tu_path(path, sizeof(path), root, rel);
	for (char *p = path + strlen(root) + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		char saved = *p;

		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = saved;
		if (!saved)
			break;
	}
}

/* Create or replace root/rel with content, creating parent directories. */
static inline void tu_write(const char *root, const char *rel,
			    const char *content)
{
	char path[PATH_MAX], dir[PATH_MAX];
	char *slash;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", rel);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		tu_mkdirs(root, dir);
	}
	tu_path(path, sizeof(path), root, rel);
	f = fopen(path, "w");
	if (!f)
		fail_msg("fopen %s: %s", path, strerror(errno));
	fputs(content, f);
	if (fclose(f))
		fail_msg("fclose %s: %s", path, strerror(errno));
}

/* The content of root/rel (static buffer), or NULL when unreadable. */
static inline const char *tu_read(const char *root, const char *rel)
{
	static char buf[8192];
	char path[PATH_MAX];
	size_t n;
	FILE *f;

	tu_path(path, sizeof(path), root, rel);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static inline void tu_unlink(const char *root, const char *rel)
{
	char path[PATH_MAX];

	tu_path(path, sizeof(path), root, rel);
	if (unlink(path) < 0)
		fail_msg("unlink %s: %s", path, strerror(errno));
}

/* Replace root/rel (a file) with an empty directory: opens for write fail. */
static inline void tu_make_dir_instead(const char *root, const char *rel)
{
	char path[PATH_MAX];

	tu_path(path, sizeof(path), root, rel);
	if (unlink(path) < 0 && errno != ENOENT)
		fail_msg("unlink %s: %s", path, strerror(errno));
	if (mkdir(path, 0755) < 0)
		fail_msg("mkdir %s: %s", path, strerror(errno));
}

/* Replace root/rel with a symlink to target. */
static inline void tu_symlink(const char *root, const char *rel,
			      const char *target)
{
	char path[PATH_MAX];

	tu_path(path, sizeof(path), root, rel);
	if (unlink(path) < 0 && errno != ENOENT)
		fail_msg("unlink %s: %s", path, strerror(errno));
	if (symlink(target, path) < 0)
		fail_msg("symlink %s: %s", path, strerror(errno));
}

static inline int tu_rm_one(const char *path, const struct stat *st, int flag,
			    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static inline void tu_rmtree(const char *root)
{
	if (nftw(root, tu_rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		fail_msg("removing %s: %s", root, strerror(errno));
}

/*
 * Run fn(data) in a child without privileges (as nobody when we are
 * root), so permission checks bite even when the tests run as root.
 * Returns fn's result, which must fit in 0..255 (use -errno negated).
 */
static inline int tu_as_nobody(int (*fn)(void *), void *data)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		if (geteuid() == 0 &&
		    (setgroups(0, NULL) < 0 || setgid(65534) < 0 ||
		     setuid(65534) < 0))
			_exit(255);
		_exit(fn(data) & 0xff);
	}
	if (waitpid(pid, &status, 0) < 0)
		fail_msg("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 255)
		fail_msg("unprivileged child failed (status %#x)", status);
	return WEXITSTATUS(status);
}

#endif
