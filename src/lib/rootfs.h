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

/*
 * Read a whole small file (at most size - 1 bytes) into buf, NUL-terminated.
 * A file larger than the buffer is -EFBIG, so a truncated value is never
 * mistaken for a whole one.
 */
int ksm_root_read(const struct ksm_root *root, const char *rel,
		  char *buf, size_t size);

/* Write data in one write(2), as sysfs stores expect. */
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
