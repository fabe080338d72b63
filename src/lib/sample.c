// SPDX-License-Identifier: GPL-2.0-or-later
#include "sample.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void ksm_knob_path(const struct ksm_knob *knob, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", KSM_SYSFS_DIR, knob->name);
}

int ksm_knob_read(const struct ksm_root *root, const struct ksm_knob *knob,
		  struct ksm_value *v)
{
	char path[128], text[128];
	int err;

	memset(v, 0, sizeof(*v));
	ksm_knob_path(knob, path, sizeof(path));
	err = ksm_root_read(root, path, text, sizeof(text));
	if (!err)
		err = ksm_knob_parse_shown(knob, text, v);
	v->err = err;
	return err;
}

unsigned long long ksm_u(const struct ksm_sample *s, enum ksm_knob_id id)
{
	return s->v[id].err ? 0 : s->v[id].u;
}

long long ksm_s(const struct ksm_sample *s, enum ksm_knob_id id)
{
	return s->v[id].err ? 0 : s->v[id].s;
}

long long ksm_elapsed_ns(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000000LL +
	       (b->tv_nsec - a->tv_nsec);
}

static void read_release(const struct ksm_root *root, struct ksm_sample *s)
{
	char text[sizeof(s->release)];

	if (ksm_root_read(root, "proc/sys/kernel/osrelease", text,
			  sizeof(text)))
		return;
	text[strcspn(text, "\n")] = '\0';
	memcpy(s->release, text, sizeof(s->release));
	s->version = ksm_version_parse(text);
}

static void read_meminfo(const struct ksm_root *root, struct ksm_sample *s)
{
	char text[8192];

	if (ksm_root_read(root, "proc/meminfo", text, sizeof(text)))
		return;
	s->has_meminfo = ksm_meminfo_parse(text, &s->mem) == 0;
}

/* Note files the table does not know: vendor knobs, newer kernels. */
static void find_unknown(const struct ksm_root *root, struct ksm_sample *s)
{
	DIR *dir = ksm_root_opendir(root, KSM_SYSFS_DIR);
	struct dirent *de;

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || ksm_knob_find(de->d_name))
			continue;
		if (s->unknown_count == (int)(sizeof(s->unknown) / sizeof(s->unknown[0])))
			break;
		snprintf(s->unknown[s->unknown_count++], sizeof(s->unknown[0]),
			 "%.63s", de->d_name);
	}
	closedir(dir);
}

int ksm_sample_read(const struct ksm_root *root, struct ksm_sample *s)
{
	int err;

	memset(s, 0, sizeof(*s));
	err = ksm_root_exists(root, KSM_SYSFS_DIR);
	if (err)
		return err;
	s->page_size = sysconf(_SC_PAGESIZE);
	read_release(root, s);
	clock_gettime(CLOCK_MONOTONIC, &s->when);
	for (int i = 0; i < KSM_KNOB_COUNT; i++)
		ksm_knob_read(root, &ksm_knobs[i], &s->v[i]);
	read_meminfo(root, s);
	find_unknown(root, s);
	return 0;
}
