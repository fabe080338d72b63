/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The knob table: every file of /sys/kernel/mm/ksm from 2.6.32 to 6.18,
 * with the kernel's exact parse rule, its range, the version that added
 * it, and what ksmctl refuses on top of the kernel.  `set`, `get`,
 * `status`, the completions, the man page and the tests all come from,
 * or are checked against, this one table.
 */
#ifndef KSMCTL_KNOBS_H
#define KSMCTL_KNOBS_H

#include <stdbool.h>
#include <stddef.h>

#define KSM_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + (c))
#define KSM_SYSFS_DIR "sys/kernel/mm/ksm"

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
};

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

/* A value as read from, or to be written to, a knob. */
struct ksm_value {
	int err;		/* 0, or -errno of the read (-ENOENT: absent) */
	unsigned long long u;	/* unsigned kinds, BOOL (0/1), MODE (index) */
	long long s;		/* KNOB_INT and KNOB_SCOUNTER */
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

/* What the kernel's store would return for text: 0, -EINVAL or -ERANGE. */
int ksm_knob_kernel_verdict(const struct ksm_knob *knob, const char *text);

/* Parse what the kernel shows when the knob file is read. */
int ksm_knob_parse_shown(const struct ksm_knob *knob, const char *text,
			 struct ksm_value *value);

/* Format a value as the kernel would accept it ("1", "scan-time"). */
void ksm_knob_format(const struct ksm_knob *knob, const struct ksm_value *v,
		     char *buf, size_t size);

bool ksm_value_equal(const struct ksm_knob *knob, const struct ksm_value *a,
		     const struct ksm_value *b);

/* "Linux 6.8" */
void ksm_version_format(unsigned int version, char *buf, size_t size);
/* Parse "6.18.44-foo" into KSM_VERSION(6, 18, 44); 0 if unparsable. */
unsigned int ksm_version_parse(const char *release);

#endif
