/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rooted access to sysfs and procfs.
 *
 * Every file ksmctl reads or writes is opened relative to one directory
 * descriptor, so `--sysroot DIR` replays a recorded kernel and tests never
 * touch the live /sys by accident.  Functions return 0 or -errno and never
 * print.
 */
#ifndef KSMCTL_ROOTFS_H
#define KSMCTL_ROOTFS_H

#include <dirent.h>
#include <stddef.h>

struct ksm_root;

int ksm_root_open(struct ksm_root **out, const char *path);
void ksm_root_close(struct ksm_root *root);
const char *ksm_root_path(const struct ksm_root *root);
int ksm_root_fd(const struct ksm_root *root);

/* Flags of ksm_read_at(). */
enum {
	/* a NUL byte inside is -EILSEQ: not a text file (configuration) */
	KSM_READ_TEXT = 1 << 0,
	/* a file larger than the buffer is not an error: its start is read */
	KSM_READ_PREFIX = 1 << 1,
	/* one read(2): procfs hands a small file over whole in one */
	KSM_READ_ONCE = 1 << 2,
};

/*
 * The one reader of small files: path below dirfd (AT_FDCWD for a path
 * the user gave), at most size - 1 bytes into buf, NUL-terminated; its
 * length in *length (may be NULL).  It never blocks: the file is opened
 * with O_NONBLOCK and anything but a regular file (sysfs and procfs files
 * are regular) is refused before a byte is read: -EISDIR for a
 * directory, -EBADFD for a FIFO, socket or device.  A file larger than
 * the buffer is -EFBIG (unless KSM_READ_PREFIX), so a truncated value is
 * never mistaken for a whole one.
 */
int ksm_read_at(int dirfd, const char *path, char *buf, size_t size,
		unsigned int flags, size_t *length);

/*
 * What an error of ksm_read_at() (or -EBADMSG: a kernel file that holds
 * no value, see sample.h) means, in words: "not a regular file (...)".
 */
const char *ksm_read_strerror(int err);

/* ksm_read_at() of a path below the root, no flags. */
int ksm_root_read(const struct ksm_root *root, const char *rel,
		  char *buf, size_t size);

/* Write data in one write(2), as sysfs stores expect; a regular file only. */
int ksm_root_write(const struct ksm_root *root, const char *rel,
		   const char *data);

/* 0 if rel exists, -errno otherwise. */
int ksm_root_exists(const struct ksm_root *root, const char *rel);

/* 0 if the effective ids may write rel, -errno otherwise. */
int ksm_root_writable(const struct ksm_root *root, const char *rel);

/* opendir() below the root; NULL with errno set on failure. */
DIR *ksm_root_opendir(const struct ksm_root *root, const char *rel);

/* Read a file as a trimmed unsigned/signed decimal number. */
int ksm_root_read_ull(const struct ksm_root *root, const char *rel,
		      unsigned long long *value);

#endif
