/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ksmd kernel thread (uksmd on UKSM): its pid, found by name in
 * /proc, and the CPU time it has used, for the governor's calibration
 * and anything else that wants ksmd's cost in view.
 */
#ifndef KSMCTL_KSMD_H
#define KSMCTL_KSMD_H

#include <stdbool.h>
#include <sys/types.h>

#include "procstat.h"	/* ksm_task_stat_parse(), KSM_PF_KTHREAD */
#include "rootfs.h"

/*
 * The first field of /proc/PID/schedstat: nanoseconds on a CPU.
 * 0 or -EINVAL.
 */
int ksm_schedstat_parse(const char *text, unsigned long long *ns);

/*
 * The pid of the kernel thread called name ("ksmd", "uksmd"): a task
 * whose comm is name and whose flags have PF_KTHREAD, so a process that
 * renamed itself is not taken for it.  The pid, or -ENOENT / -errno.
 */
pid_t ksm_find_kthread(const struct ksm_root *root, const char *name);

/*
 * CPU time of a task in nanoseconds: from /proc/PID/schedstat when the
 * kernel has it (nanosecond precision), else utime + stime of
 * /proc/PID/stat (clock ticks, usually 10 ms).  *precise says which.
 */
int ksm_task_cpu_ns(const struct ksm_root *root, pid_t pid,
		    unsigned long long *ns, bool *precise);

/*
 * cow_ksm of /proc/vmstat: writes to merged pages since boot, so merges
 * that happened meanwhile even when pages_sharing did not grow.  0 when
 * the kernel has no such line (no CONFIG_KSM vm events) or it cannot be
 * read.
 */
unsigned long long ksm_read_cow_ksm(const struct ksm_root *root);

#endif
