/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KSMCTL_MEMINFO_H
#define KSMCTL_MEMINFO_H

#include <stdbool.h>
#include <stddef.h>

enum ksm_meminfo_field {
	MEM_TOTAL,
	MEM_FREE,
	MEM_AVAILABLE,
	MEM_BUFFERS,
	MEM_CACHED,
	MEM_SWAP_TOTAL,
	MEM_SWAP_FREE,
	MEM_KSM_ZERO_PAGES,	/* UKSM, and this project's kernel patch */
	MEM_KSM_MERGED,		/* this project's kernel patch */
	MEM_FIELD_COUNT
};

/* /proc/meminfo figures in bytes; present[] says which lines existed. */
struct ksm_meminfo {
	unsigned long long bytes[MEM_FIELD_COUNT];
	bool present[MEM_FIELD_COUNT];
};

const char *ksm_meminfo_name(enum ksm_meminfo_field field);

/* Parse the text of /proc/meminfo; unknown lines are ignored. */
int ksm_meminfo_parse(const char *text, struct ksm_meminfo *mi);

#endif
