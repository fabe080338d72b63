/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one lister of /proc: which pid directories are there.  Every scan
 * of processes walks /proc through it (ps's scan, top's live scan, tune's
 * committed memory, the search for ksmd), so a pid directory is told
 * from /proc's other entries in one place.  It reads nothing but the
 * directory: what each scan reads per process is its own business.
 */
#ifndef KSMCTL_PROCLIST_H
#define KSMCTL_PROCLIST_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>

#include "rootfs.h"

/*
 * A /proc entry name that is a pid: digits only, no leading zero, at
 * most INT_MAX.  The pid, or -1 ("self", "sys", "007", "").
 */
int ksm_pid_parse(const char *name);

/* One pid directory as listed. */
struct ksm_pid_dir {
	int pid;
	/* 0 as listed: a byte for the scan that keeps the listing to note
	 * what it found (top's live scan: enum ksm_live_state) */
	unsigned char state;
	/* The directory's inode: a new process that reuses a pid has
	 * another, so a scan can tell it from the one it remembers. */
	unsigned long ino;
};

/* A walk over proc/, in the order the directory lists it. */
struct ksm_proc_walk {
	DIR *dir;
};

/* Start a walk over proc/ below the root.  0 or -errno. */
int ksm_proc_walk_open(const struct ksm_root *root, struct ksm_proc_walk *w);
/* The next pid directory into *d: true, or false at the end. */
bool ksm_proc_walk_next(struct ksm_proc_walk *w, struct ksm_pid_dir *d);
/* proc/'s own descriptor, to open "PID/file" relative to it. */
int ksm_proc_walk_fd(const struct ksm_proc_walk *w);
void ksm_proc_walk_close(struct ksm_proc_walk *w);

/*
 * Every pid directory there is now, ascending by pid (procfs lists in
 * order, a recorded sysroot need not).  *out is malloc'ed (free it), and
 * never NULL on success.  0, -ENOMEM, or the error of opening proc/.
 */
int ksm_proc_list(const struct ksm_root *root, struct ksm_pid_dir **out,
		  size_t *n);

#endif
