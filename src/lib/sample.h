/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One read of every KSM knob and counter, plus the memory figures that
 * give them meaning, stamped with CLOCK_MONOTONIC so two samples give
 * rates.
 */
#ifndef KSMCTL_SAMPLE_H
#define KSMCTL_SAMPLE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "knobs.h"
#include "meminfo.h"
#include "rootfs.h"

/* Bytes kept of what a file that held no value held. */
#define KSM_HELD_MAX 32

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
	/*
	 * What a file that held no value held (v[i].err == -EBADMSG): its
	 * start, raw ("..." ends a longer one), for the message that names it.
	 */
	char held[KSM_KNOB_COUNT][KSM_HELD_MAX];
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
 * KSM (neither /sys/kernel/mm/ksm nor /sys/kernel/mm/uksm), -ENOTDIR
 * when one of them is there but is not a directory; other errors of
 * single files are kept in v[i].err so one unreadable file does not hide
 * the rest: -ENOENT for a file this kernel lacks, -EBADMSG for one that
 * holds no value (garbage, or nothing: held[i] says what), the read's
 * -errno otherwise.  On UKSM, ksm_zero_pages comes from /proc/meminfo.
 *
 * Fail closed: a value that is there but unreadable (ksm_bad()) is
 * unknown, never 0.  ksm_u() and ksm_s() read it as 0 for display code
 * that checks ksm_has(); a decision that needs a value checks it with
 * ksm_sample_need() and refuses.
 */
int ksm_sample_read(const struct ksm_root *root, struct ksm_sample *s);

/*
 * The same, for a loop that runs every second: only the knobs wanted()
 * says (the others read as -ENODATA), /proc/meminfo, no kernel release
 * and no look for unknown files.
 */
int ksm_sample_read_only(const struct ksm_root *root,
			 bool (*wanted)(enum ksm_knob_id id), struct ksm_sample *s);

/* Read one knob into v (v->err as in a sample). */
int ksm_knob_read(const struct ksm_root *root, const struct ksm_knob *knob,
		  struct ksm_value *v);
/* The same, keeping what the file held in held (KSM_HELD_MAX bytes). */
int ksm_knob_read_held(const struct ksm_root *root, const struct ksm_knob *knob,
		       struct ksm_value *v, char *held);

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

/*
 * Is the file there, but its value unknown: unreadable, or holding no
 * value?  Not for a file this kernel lacks (-ENOENT) or that a partial
 * sample did not read (-ENODATA).
 */
static inline bool ksm_bad(const struct ksm_sample *s, enum ksm_knob_id id)
{
	int err = s->v[id].err;

	return err && err != -ENOENT && err != -ENODATA;
}

/*
 * Why a value is unknown, in words, for a message that names its file:
 * "it holds 'x', not a number", "it is empty", "cannot read it: ...".
 */
void ksm_sample_why(const struct ksm_sample *s, enum ksm_knob_id id,
		    char *buf, size_t size);

/*
 * A decision needs the values ids[0..n-1]: 0 when none is ksm_bad(),
 * else the first bad one's -errno, with its knob in *culprit (may be
 * NULL) and "<knob>: <ksm_sample_why()>" in why (may be NULL).
 */
int ksm_sample_need(const struct ksm_sample *s, const enum ksm_knob_id *ids,
		    size_t n, enum ksm_knob_id *culprit, char *why, size_t size);
#define KSM_NEED(s, culprit, why, size, ...) \
	ksm_sample_need((s), (const enum ksm_knob_id[]){ __VA_ARGS__ }, \
			sizeof((const enum ksm_knob_id[]){ __VA_ARGS__ }) / \
			sizeof(enum ksm_knob_id), (culprit), (why), (size))

/* Unsigned value of a counter or knob; 0 when absent or unknown. */
unsigned long long ksm_u(const struct ksm_sample *s, enum ksm_knob_id id);
/* Signed value; 0 when absent or unknown. */
long long ksm_s(const struct ksm_sample *s, enum ksm_knob_id id);

/* Nanoseconds from a to b. */
long long ksm_elapsed_ns(const struct timespec *a, const struct timespec *b);

#endif
