// SPDX-License-Identifier: GPL-2.0-or-later
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse.h"

static int open_lock_file(const struct ksm_root *root)
{
	int dirfd = ksm_root_fd(root);
	int fd;

	fd = openat(dirfd, KSM_LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		    0644);
	if (fd < 0 && errno == ENOENT) {
		/* a fixture sysroot may have no run/ yet */
		if (mkdirat(dirfd, "run", 0755) < 0 && errno != EEXIST)
			return -errno;
		fd = openat(dirfd, KSM_LOCK_PATH,
			    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	}
	return fd < 0 ? -errno : fd;
}

static pid_t read_holder(int fd)
{
	char buf[32];
	unsigned long long pid;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return ksm_parse_ull(buf, &pid) ? 0 : (pid_t)pid;
}

/* Leave our pid in the file so a waiting ksmctl can name us. */
static void write_holder(int fd)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) == 0 && pwrite(fd, buf, (size_t)len, 0) < 0)
		return;	/* only a courtesy for the message */
}

int ksm_lock_take(const struct ksm_root *root, struct ksm_lock *lock,
		  bool wait, pid_t *holder)
{
	int fd = open_lock_file(root);

	lock->fd = -1;
	if (fd < 0)
		return fd;
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		int err = -errno;

		if (err == -EINTR && wait)
			continue;
		if (holder)
			*holder = err == -EWOULDBLOCK ? read_holder(fd) : 0;
		close(fd);
		return err;
	}
	write_holder(fd);
	lock->fd = fd;
	return 0;
}

void ksm_lock_release(struct ksm_lock *lock)
{
	if (lock->fd < 0)
		return;
	/* The holder pid is stale from here on: clear it before unlocking. */
	if (ftruncate(lock->fd, 0) < 0) {
		/* harmless: the next holder overwrites it */
	}
	close(lock->fd);
	lock->fd = -1;
}
