/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Process-wide merging: prctl(PR_SET_MEMORY_MERGE) marks every present
 * and future anonymous area of a process mergeable, as MemoryKSM=yes
 * does for a systemd unit.  What each kernel does with it across exec:
 *
 *   before 6.4   no such prctl (EINVAL)
 *   6.4 - 6.6    set, but lost at execve (a new mm)
 *   6.7 - 6.9    kept across execve, but the new mm is not registered with
 *                ksmd until something else registers it (fixed in 6.10,
 *                commit 3a9e567ca45f)
 *   6.10 -       kept and registered
 *   6.15 -       /proc/PID/ksm_stat shows "ksm_merge_any: yes"
 */
#ifndef KSMCTL_MERGEANY_H
#define KSMCTL_MERGEANY_H

#include <sys/types.h>

#include "procstat.h"
#include "rootfs.h"

#define KSM_PR_SET_MEMORY_MERGE 67
#define KSM_PR_GET_MEMORY_MERGE 68

enum ksm_exec_verdict {
	KSM_EXEC_OK,		/* set, and exec'd processes are merged */
	KSM_EXEC_OLD,		/* set, but before 6.10 exec loses it */
	KSM_EXEC_UNAVAILABLE,	/* no such prctl, or no KSM */
	KSM_EXEC_FAILED,	/* another error */
};

/*
 * What prctl(PR_SET_MEMORY_MERGE)'s result means on this kernel
 * (version: KSM_VERSION(), 0 when unknown; prctl_err: 0 or -errno).  A
 * kernel older than 6.4 that accepts it has it backported: that is
 * KSM_EXEC_OLD too, as nobody knows what it does at exec.
 */
enum ksm_exec_verdict ksm_exec_verdict(unsigned int version, int prctl_err);

/*
 * ksm_merge_any of a process from /proc/PID/ksm_stat: 0 and *out set;
 * -ENODATA when the kernel does not report it (before 6.15) or the
 * process has no memory any more (a zombie); -ESRCH when it is gone;
 * -errno when unreadable.
 */
int ksm_read_merge_any(const struct ksm_root *root, pid_t pid,
		       enum ksm_tri *out);

#endif
