// SPDX-License-Identifier: GPL-2.0-or-later
#include "savefile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* mkdir -p of the directories above path (not path itself). */
static int make_parents(int dirfd, const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdirat(dirfd, buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

static int write_all(int fd, const char *data)
{
	size_t len = strlen(data), done = 0;

	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return 0;
}

/* Flush the directory, so the rename itself survives a crash. */
static int sync_dir(int dirfd, const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, err = 0;

	if (slash && slash != path)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		snprintf(dir, sizeof(dir), "%s", slash ? "/" : ".");
	fd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0 && errno != EINVAL)
		err = -errno;
	close(fd);
	return err;
}

int ksm_file_replace(int dirfd, const char *path, const char *data,
		     mode_t mode, bool mkdirs)
{
	const char *base = strrchr(path, '/');
	char tmp[PATH_MAX];
	struct timespec now;
	int fd = -1, err;

	if (dirfd != AT_FDCWD)
		while (*path == '/')
			path++;
	if (!*path)
		return -EINVAL;
	base = strrchr(path, '/');
	if (mkdirs) {
		err = make_parents(dirfd, path);
		if (err)
			return err;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	/* ".NAME.PID.NSEC" beside the file: same file system, so rename works */
	for (int tries = 0; fd < 0 && tries < 16; tries++) {
		if (snprintf(tmp, sizeof(tmp), "%.*s.%s.%ld.%ld",
			     base ? (int)(base - path + 1) : 0, path,
			     base ? base + 1 : path, (long)getpid(),
			     now.tv_nsec + tries) >= (int)sizeof(tmp))
			return -ENAMETOOLONG;
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			    mode);
		if (fd < 0 && errno != EEXIST)
			return -errno;
	}
	if (fd < 0)
		return -EEXIST;
	err = write_all(fd, data);
	/* the mode asked for, whatever the umask made of it */
	if (!err && fchmod(fd, mode) < 0)
		err = -errno;
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && renameat(dirfd, tmp, dirfd, path) < 0)
		err = -errno;
	if (err) {
		unlinkat(dirfd, tmp, 0);
		return err;
	}
	return sync_dir(dirfd, path);
}
