/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One writer at a time: every command that writes knobs holds an flock on
 * run/ksmctl.lock below the sysroot for the whole transaction, so two
 * ksmctl processes (or tune and a user's set) never interleave.
 */
#ifndef KSMCTL_LOCK_H
#define KSMCTL_LOCK_H

#include <stdbool.h>
#include <sys/types.h>

#include "rootfs.h"

#define KSM_LOCK_PATH "run/ksmctl.lock"

struct ksm_lock {
	int fd;
};

/*
 * Take the lock.  With wait false, returns -EWOULDBLOCK when another
 * process holds it and sets *holder to its pid (0 if unknown), so the
 * caller can say who it waits for and then call again with wait true.
 */
int ksm_lock_take(const struct ksm_root *root, struct ksm_lock *lock,
		  bool wait, pid_t *holder);
void ksm_lock_release(struct ksm_lock *lock);

#endif
