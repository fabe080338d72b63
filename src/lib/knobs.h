/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The knob table: every file of /sys/kernel/mm/ksm from 2.6.32 to 6.18,
 * and of /sys/kernel/mm/uksm (the out-of-tree UKSM patch, which replaces
 * KSM), with the kernel's exact parse rule, its range, the version that
 * added it, and what ksmctl refuses on top of the kernel.  `set`, `get`,
 * `status`, the completions, the man page and the tests all come from,
 * or are checked against, this one table.
 *
 * A row names one file; .dirs says which directories have it.  Files
 * both have (run, the page counters) are one row, so everything that
 * reads "run" or "pages_sharing" works on either kernel; where UKSM's
 * store is stricter the row says so (.uksm_max).
 */
#ifndef KSMCTL_KNOBS_H
#define KSMCTL_KNOBS_H

#include <stdbool.h>
#include <stddef.h>

#define KSM_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + (c))
#define KSM_SYSFS_DIR "sys/kernel/mm/ksm"
#define KSM_UKSM_DIR "sys/kernel/mm/uksm"

/* The directories a knob can live in, in the order they are tried. */
enum ksm_knob_dir {
	KNOB_DIR_KSM,
	KNOB_DIR_UKSM,
	KNOB_DIR_COUNT
};

/* Bits of struct ksm_knob.dirs and struct ksm_sample.dirs. */
#define KNOB_IN(dir) (1u << (dir))
#define KNOB_IN_KSM KNOB_IN(KNOB_DIR_KSM)
#define KNOB_IN_UKSM KNOB_IN(KNOB_DIR_UKSM)

enum ksm_knob_id {
	KSM_RUN,
	KSM_PAGES_TO_SCAN,
	KSM_SLEEP_MILLISECS,
	KSM_MERGE_ACROSS_NODES,
	KSM_MAX_PAGE_SHARING,
	KSM_USE_ZERO_PAGES,
	KSM_STABLE_NODE_CHAINS_PRUNE_MILLISECS,
	KSM_SMART_SCAN,
	KSM_ADVISOR_MODE,
	KSM_ADVISOR_MAX_CPU,
	KSM_ADVISOR_MIN_PAGES_TO_SCAN,
	KSM_ADVISOR_MAX_PAGES_TO_SCAN,
	KSM_ADVISOR_TARGET_SCAN_TIME,
	KSM_ADVISOR_TARGET_CPU,
	KSM_MAX_KERNEL_PAGES,
	KSM_PAGES_SHARED,
	KSM_PAGES_SHARING,
	KSM_PAGES_UNSHARED,
	KSM_PAGES_VOLATILE,
	KSM_FULL_SCANS,
	KSM_STABLE_NODE_CHAINS,
	KSM_STABLE_NODE_DUPS,
	KSM_GENERAL_PROFIT,
	KSM_ZERO_PAGES,
	KSM_PAGES_SCANNED,
	KSM_PAGES_SKIPPED,
	/* UKSM only (/sys/kernel/mm/uksm) */
	KSM_UKSM_CPU_GOVERNOR,
	KSM_UKSM_MAX_CPU_PERCENTAGE,
	KSM_UKSM_CPU_RATIOS,
	KSM_UKSM_EVAL_INTERVALS,
	KSM_UKSM_ABUNDANT_THRESHOLD,
	KSM_UKSM_THRASH_THRESHOLD,
	KSM_UKSM_EMA_PER_PAGE_TIME,
	KSM_UKSM_HASH_STRENGTH,
	KSM_UKSM_SLEEP_TIMES,
	KSM_KNOB_COUNT
};

/* How the kernel's store parses the string. */
enum ksm_knob_kind {
	KNOB_UINT,	/* kstrtouint() */
	KNOB_ULONG,	/* kstrtoul() */
	KNOB_INT,	/* kstrtoint() */
	KNOB_BOOL,	/* kstrtobool() */
	KNOB_MODE,	/* sysfs_streq() against a list of names */
	KNOB_COUNTER,	/* read-only, unsigned */
	KNOB_SCOUNTER,	/* read-only, signed */
	/* .list_len kstrtoul() values, one space apart (UKSM eval_intervals) */
	KNOB_ULONG_LIST,
	/*
	 * .list_len ratios, one space apart, each N or MAX/N with N in
	 * kernel_min..kernel_max (UKSM cpu_ratios).  Kept as the kernel keeps
	 * them: N, or -(KSM_RATIO_SCALE / N) for MAX/N.
	 */
	KNOB_RATIO_LIST,
};

#define KSM_LIST_MAX 4		/* values of the longest list knob */
#define KSM_RATIO_SCALE 10000	/* UKSM's TIME_RATIO_SCALE: MAX/N */

enum ksm_knob_group {
	GROUP_STATE,
	GROUP_SCANNING,
	GROUP_ADVISOR,
	GROUP_COUNTERS,
	GROUP_COUNT
};

enum ksm_knob_unit {
	UNIT_NONE,
	UNIT_PAGES,
	UNIT_MSEC,
	UNIT_SEC,
	UNIT_PERCENT,
	UNIT_BYTES,
};

enum {
	KNOB_RO = 1 << 0,
	/* The kernel refuses a change (EBUSY) while KSM pages exist. */
	KNOB_NEEDS_UNMERGE = 1 << 1,
	/* The kernel refuses a write (EINVAL) while advisor_mode is not none. */
	KNOB_ADVISOR_OWNED = 1 << 2,
	/* Only present on kernels built with CONFIG_NUMA. */
	KNOB_NUMA_ONLY = 1 << 3,
	/* The store returns the kstrto*() error as is (ERANGE on overflow). */
	KNOB_PARSE_ERRNO = 1 << 4,
	/* KNOB_MODE: the store takes any text that starts with a name. */
	KNOB_MODE_PREFIX = 1 << 5,
	/*
	 * Writing has an effect even when the value is unchanged (UKSM's
	 * cpu_governor loads its preset again): never skipped as unchanged.
	 */
	KNOB_WRITE_APPLIES = 1 << 6,
	/* The kernel may show a huge count as "N * 2^k" (UKSM). */
	KNOB_SHOWN_POW2 = 1 << 7,
	/*
	 * In /sys/kernel/mm/uksm the value is kept in jiffies: it reads back
	 * rounded up to the next tick (less than 10 ms away for HZ >= 100).
	 */
	KNOB_UKSM_JIFFIES = 1 << 8,
	/*
	 * Where /sys/kernel/mm/uksm lacks the file, the figure comes from
	 * /proc/meminfo (KsmZeroPages) instead.
	 */
	KNOB_UKSM_MEMINFO = 1 << 9,
	/* Only on kernels with this project's patch series (kernel-patch/). */
	KNOB_PATCH = 1 << 10,
};

struct ksm_knob {
	const char *name;
	enum ksm_knob_kind kind;
	enum ksm_knob_group group;
	enum ksm_knob_unit unit;
	unsigned int flags;
	/* What the kernel accepts once the string parsed. */
	unsigned long long kernel_min, kernel_max;
	/*
	 * What ksmctl accepts where the kernel takes nonsense: a higher
	 * minimum, a lower maximum (0: the kernel's).  Use ksm_knob_min/max.
	 */
	unsigned long long sane_min, sane_max;
	const char *sane_why;
	const char *const *modes;	/* KNOB_MODE: NULL-terminated */
	const char *const *value_help;	/* names of the values, for completion */
	unsigned int since;		/* KSM_VERSION() that added it */
	unsigned int until;		/* first version without it, 0 = still there */
	const char *help;
	/* KNOB_IN_* bits of the directories that have it; 0 = KNOB_IN_KSM. */
	unsigned int dirs;
	/* In /sys/kernel/mm/uksm: UKSM's store takes at most this (0: as above). */
	unsigned long long uksm_max;
	const char *uksm_why;		/* why, for the refusal */
	const char *uksm_help;		/* help where UKSM differs, or NULL */
	unsigned int list_len;		/* KNOB_*_LIST: values per write */
};

extern const struct ksm_knob ksm_knobs[KSM_KNOB_COUNT];

const struct ksm_knob *ksm_knob_find(const char *name);
enum ksm_knob_id ksm_knob_id(const struct ksm_knob *knob);
bool ksm_knob_writable(const struct ksm_knob *knob);
/* The range ksmctl accepts: the kernel's, narrowed by sane_min/max. */
unsigned long long ksm_knob_min(const struct ksm_knob *knob);
unsigned long long ksm_knob_max(const struct ksm_knob *knob);
const char *ksm_group_name(enum ksm_knob_group group);
const char *ksm_unit_name(enum ksm_knob_unit unit);

/* The KNOB_IN_* bits of the directories that have the file. */
unsigned int ksm_knob_dirs(const struct ksm_knob *knob);
/* "sys/kernel/mm/ksm" or "sys/kernel/mm/uksm" */
const char *ksm_knob_dir_path(enum ksm_knob_dir dir);
/*
 * The directory a knob is read from on a kernel that has the directories
 * present (KNOB_IN_* bits; 0 counts as KNOB_IN_KSM), or -1 when none of
 * them has the knob.
 */
int ksm_knob_dir_on(const struct ksm_knob *knob, unsigned int present);
/* The help text for the knob on that kernel. */
const char *ksm_knob_help(const struct ksm_knob *knob, unsigned int present);

/* A value as read from, or to be written to, a knob. */
struct ksm_value {
	int err;		/* 0, or -errno of the read (-ENOENT: absent) */
	unsigned long long u;	/* unsigned kinds, BOOL (0/1), MODE (index) */
	long long s;		/* KNOB_INT and KNOB_SCOUNTER */
	/* KNOB_SHOWN_POW2 shown as "mant * 2^shift": u is saturated then. */
	unsigned long long mant;
	unsigned int shift;
	long long list[KSM_LIST_MAX];	/* KNOB_*_LIST */
};

/* Why a value was refused, for the user. */
struct ksm_refusal {
	char why[512];
};

/*
 * Parse what a user typed for a writable knob.  Returns 0 and fills value
 * and canonical (the string ksmctl will write), -EINVAL or -ERANGE where
 * the kernel itself would refuse it, or -EDOM where the kernel would
 * accept it but ksmctl refuses (nonsense the kernel takes).  why explains
 * every refusal in one line.
 */
int ksm_knob_parse_input(const struct ksm_knob *knob, const char *text,
			 struct ksm_value *value, char *canonical,
			 size_t canonical_size, struct ksm_refusal *why);
/*
 * The same, for a kernel with these directories (KNOB_IN_* bits): adds
 * UKSM's stricter rules where the knob lives in /sys/kernel/mm/uksm.
 * ksm_knob_parse_input() is this with KNOB_IN_KSM.
 */
int ksm_knob_parse_input_on(const struct ksm_knob *knob, unsigned int present,
			    const char *text, struct ksm_value *value,
			    char *canonical, size_t canonical_size,
			    struct ksm_refusal *why);

/* What the kernel's store would return for text: 0, -EINVAL or -ERANGE. */
int ksm_knob_kernel_verdict(const struct ksm_knob *knob, const char *text);

/* Parse what the kernel shows when the knob file is read. */
int ksm_knob_parse_shown(const struct ksm_knob *knob, const char *text,
			 struct ksm_value *value);

/*
 * Format a value as the kernel would accept it ("1", "scan-time",
 * "20 40 MAX/4 MAX/1"); a count shown as "N * 2^k" is formatted so.
 */
void ksm_knob_format(const struct ksm_knob *knob, const struct ksm_value *v,
		     char *buf, size_t size);

bool ksm_value_equal(const struct ksm_knob *knob, const struct ksm_value *a,
		     const struct ksm_value *b);

/*
 * Did the kernel keep a written value?  Equal, or (KNOB_UKSM_JIFFIES in
 * UKSM's directory) rounded up to the next tick, less than 10 ms away.
 */
bool ksm_value_kept(const struct ksm_knob *knob, enum ksm_knob_dir dir,
		    const struct ksm_value *written,
		    const struct ksm_value *seen);

/* "Linux 6.8" */
void ksm_version_format(unsigned int version, char *buf, size_t size);
/* Parse "6.18.44-foo" into KSM_VERSION(6, 18, 44); 0 if unparsable. */
unsigned int ksm_version_parse(const char *release);

#endif
