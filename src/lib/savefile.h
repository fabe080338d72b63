/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replacing a small file atomically: ksmctl's settings (/etc/ksmctl.conf)
 * and its calibration are either the old file or the new one, never a
 * half-written mix, whatever happens during the write.
 */
#ifndef KSMCTL_SAVEFILE_H
#define KSMCTL_SAVEFILE_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Write data to a temporary file next to path, flush it to disk, and
 * rename it over path.  path is relative to dirfd (AT_FDCWD, or a
 * root's ksm_root_fd(), where a leading '/' is dropped).  With mkdirs
 * the parent directories are created first (0755).  0 or -errno; on
 * failure path is left as it was.
 */
int ksm_file_replace(int dirfd, const char *path, const char *data,
		     mode_t mode, bool mkdirs);

#endif
