/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One read of every KSM knob and counter, plus the memory figures that
 * give them meaning, stamped with CLOCK_MONOTONIC so two samples give
 * rates.
 */
#ifndef KSMCTL_SAMPLE_H
#define KSMCTL_SAMPLE_H

#include <stdbool.h>
#include <time.h>

#include "knobs.h"
#include "meminfo.h"
#include "rootfs.h"

struct ksm_sample {
	struct timespec when;
	long page_size;
	char release[65];		/* "" when osrelease is unreadable */
	unsigned int version;		/* KSM_VERSION(), 0 when unknown */
	/*
	 * KNOB_IN_* bits of the knob directories this kernel has: KSM's, or
	 * UKSM's on a UKSM kernel.  Use ksm_sample_dirs(): 0 means KSM.
	 */
	unsigned int dirs;
	struct ksm_value v[KSM_KNOB_COUNT];
	struct ksm_meminfo mem;
	bool has_meminfo;
	/* 0, -errno of reading /proc/meminfo, or -ENODATA (no MemTotal) */
	int meminfo_err;
	/* Files of the KSM directory that the table does not know. */
	char unknown[8][64];
	int unknown_count;
};

/*
 * Read the KSM directory (or UKSM's).  -ENOENT when the kernel has no
 * KSM (neither /sys/kernel/mm/ksm nor /sys/kernel/mm/uksm); other errors
 * of single files are kept in v[i].err so one unreadable file does not
 * hide the rest.  On UKSM, ksm_zero_pages comes from /proc/meminfo.
 */
int ksm_sample_read(const struct ksm_root *root, struct ksm_sample *s);

/*
 * The same, for a loop that runs every second: only the knobs wanted()
 * says (the others read as -ENODATA), /proc/meminfo, no kernel release
 * and no look for unknown files.
 */
int ksm_sample_read_only(const struct ksm_root *root,
			 bool (*wanted)(enum ksm_knob_id id), struct ksm_sample *s);

/* Read one knob into v. */
int ksm_knob_read(const struct ksm_root *root, const struct ksm_knob *knob,
		  struct ksm_value *v);

/* Path of a knob below the root, e.g. "sys/kernel/mm/ksm/run". */
void ksm_knob_path(const struct ksm_knob *knob, char *buf, size_t size);

/*
 * Path of a knob on this root's kernel: for a file both KSM and UKSM
 * have, in the directory that exists.  0, or -ENOENT (buf then holds the
 * path in the first directory).
 */
int ksm_knob_locate(const struct ksm_root *root, const struct ksm_knob *knob,
		    char *buf, size_t size);

/* KNOB_IN_* bits of the knob directories a root's kernel has (0: none). */
unsigned int ksm_root_knob_dirs(const struct ksm_root *root);

/* The sample's directories; KNOB_IN_KSM for a sample that names none. */
static inline unsigned int ksm_sample_dirs(const struct ksm_sample *s)
{
	return s->dirs ? s->dirs : KNOB_IN_KSM;
}

/* True on a UKSM kernel (no KSM directory, UKSM's instead). */
static inline bool ksm_sample_is_uksm(const struct ksm_sample *s)
{
	return ksm_sample_dirs(s) == KNOB_IN_UKSM;
}

static inline bool ksm_has(const struct ksm_sample *s, enum ksm_knob_id id)
{
	return s->v[id].err == 0;
}

/* Unsigned value of a counter or knob, 0 when absent. */
unsigned long long ksm_u(const struct ksm_sample *s, enum ksm_knob_id id);
/* Signed value, 0 when absent. */
long long ksm_s(const struct ksm_sample *s, enum ksm_knob_id id);

/* Nanoseconds from a to b. */
long long ksm_elapsed_ns(const struct timespec *a, const struct timespec *b);

#endif
