// SPDX-License-Identifier: GPL-2.0-or-later
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse.h"

struct ksm_root {
	int dirfd;
	char *path;
};

int ksm_root_open(struct ksm_root **out, const char *path)
{
	struct ksm_root *root;

	root = calloc(1, sizeof(*root));
	if (!root)
		return -ENOMEM;
	root->path = strdup(path);
	if (!root->path) {
		free(root);
		return -ENOMEM;
	}
	root->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root->dirfd < 0) {
		int err = -errno;

		free(root->path);
		free(root);
		return err;
	}
	*out = root;
	return 0;
}

void ksm_root_close(struct ksm_root *root)
{
	if (!root)
		return;
	close(root->dirfd);
	free(root->path);
	free(root);
}

const char *ksm_root_path(const struct ksm_root *root)
{
	return root->path;
}

int ksm_root_fd(const struct ksm_root *root)
{
	return root->dirfd;
}

/* Paths are always relative to the root: strip leading slashes. */
static const char *relative(const char *rel)
{
	while (*rel == '/')
		rel++;
	return *rel ? rel : ".";
}

/* Anything but a regular file is refused before a byte is read. */
static int regular(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	return S_ISREG(st.st_mode) ? 0 : -EBADFD;
}

int ksm_read_at(int dirfd, const char *path, char *buf, size_t size,
		unsigned int flags, size_t *length)
{
	size_t len = 0;
	int fd, err;

	if (length)
		*length = 0;
	if (size < 2)
		return -EINVAL;
	buf[0] = '\0';
	/* O_NONBLOCK: a FIFO or a terminal put in a file's place cannot
	 * make open(2) or read(2) wait; it is refused just after */
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	err = regular(fd);
	while (!err) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		len += (size_t)n;
		if (n == 0 || (flags & KSM_READ_ONCE))
			break;
		if (len == size - 1) {
			char probe;

			n = read(fd, &probe, 1);
			if (n > 0 && !(flags & KSM_READ_PREFIX))
				err = -EFBIG;
			else if (n < 0 && !(flags & KSM_READ_PREFIX))
				err = -errno;
			break;
		}
	}
	close(fd);
	buf[len] = '\0';
	if (!err && (flags & KSM_READ_TEXT) && strlen(buf) != len)
		err = -EILSEQ;
	if (length)
		*length = len;
	return err;
}

const char *ksm_read_strerror(int err)
{
	switch (err) {
	case -EBADFD:
		return "not a regular file (a FIFO, socket or device)";
	case -EFBIG:
		return "larger than expected";
	case -EILSEQ:
		return "not a text file (it holds a NUL byte)";
	case -EBADMSG:
		return "not a value the kernel shows";
	default:
		return strerror(-err);
	}
}

int ksm_root_read(const struct ksm_root *root, const char *rel,
		  char *buf, size_t size)
{
	return ksm_read_at(root->dirfd, relative(rel), buf, size, 0, NULL);
}

int ksm_root_write(const struct ksm_root *root, const char *rel,
		   const char *data)
{
	size_t len = strlen(data);
	ssize_t n;
	int fd, err = 0;

	/* O_TRUNC as a shell redirection does: sysfs ignores it, and a
	 * fixture file must not keep the tail of a longer old value. */
	fd = openat(root->dirfd, relative(rel),
		    O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	err = regular(fd);
	if (err) {
		close(fd);
		return err;
	}
	/*
	 * A sysfs store sees exactly one write: retrying a partial write
	 * would hand the kernel the tail of the value as a second value.
	 * EINTR is reported, not retried: for run=2 it means the kernel
	 * stopped the unmerge, which the caller must know.
	 */
	n = write(fd, data, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}

int ksm_root_exists(const struct ksm_root *root, const char *rel)
{
	if (faccessat(root->dirfd, relative(rel), F_OK, 0) < 0)
		return -errno;
	return 0;
}

int ksm_root_writable(const struct ksm_root *root, const char *rel)
{
	if (faccessat(root->dirfd, relative(rel), W_OK, AT_EACCESS) < 0)
		return -errno;
	return 0;
}

DIR *ksm_root_opendir(const struct ksm_root *root, const char *rel)
{
	DIR *dir;
	int fd;

	fd = openat(root->dirfd, relative(rel),
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	dir = fdopendir(fd);
	if (!dir) {
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return dir;
}

int ksm_root_read_ull(const struct ksm_root *root, const char *rel,
		      unsigned long long *value)
{
	char buf[64];
	int err;

	err = ksm_root_read(root, rel, buf, sizeof(buf));
	if (err)
		return err;
	return ksm_parse_ull(buf, value);
}
