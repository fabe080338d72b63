// SPDX-License-Identifier: GPL-2.0-or-later
#include "sample.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void ksm_knob_path(const struct ksm_knob *knob, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s",
		 ksm_knob_dir_path((enum ksm_knob_dir)ksm_knob_dir_on(knob,
						ksm_knob_dirs(knob))),
		 knob->name);
}

unsigned int ksm_root_knob_dirs(const struct ksm_root *root)
{
	unsigned int dirs = 0;

	for (int d = 0; d < KNOB_DIR_COUNT; d++)
		if (!ksm_root_exists(root, ksm_knob_dir_path((enum ksm_knob_dir)d)))
			dirs |= KNOB_IN(d);
	return dirs;
}

int ksm_knob_locate(const struct ksm_root *root, const struct ksm_knob *knob,
		    char *buf, size_t size)
{
	unsigned int dirs = ksm_knob_dirs(knob);

	ksm_knob_path(knob, buf, size);
	/* one directory (every mainline-only knob): no need to look */
	if (!(dirs & (dirs - 1)))
		return 0;
	for (int d = 0; d < KNOB_DIR_COUNT; d++) {
		const char *dir = ksm_knob_dir_path((enum ksm_knob_dir)d);

		if ((dirs & KNOB_IN(d)) && !ksm_root_exists(root, dir)) {
			snprintf(buf, size, "%s/%s", dir, knob->name);
			return 0;
		}
	}
	return -ENOENT;
}

int ksm_knob_read(const struct ksm_root *root, const struct ksm_knob *knob,
		  struct ksm_value *v)
{
	char path[128], text[128];
	int err;

	memset(v, 0, sizeof(*v));
	ksm_knob_locate(root, knob, path, sizeof(path));
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

	s->meminfo_err = ksm_root_read(root, "proc/meminfo", text, sizeof(text));
	if (s->meminfo_err)
		return;
	s->meminfo_err = ksm_meminfo_parse(text, &s->mem);
	s->has_meminfo = s->meminfo_err == 0;
}

/* Is name a file of directory d in the table? */
static bool known_in(const char *name, enum ksm_knob_dir d)
{
	const struct ksm_knob *k = ksm_knob_find(name);

	return k && (ksm_knob_dirs(k) & KNOB_IN(d));
}

/* Note files the table does not know: vendor knobs, newer kernels. */
static void find_unknown_in(const struct ksm_root *root, struct ksm_sample *s,
			    enum ksm_knob_dir d)
{
	DIR *dir = ksm_root_opendir(root, ksm_knob_dir_path(d));
	struct dirent *de;

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || known_in(de->d_name, d))
			continue;
		if (s->unknown_count == (int)(sizeof(s->unknown) / sizeof(s->unknown[0])))
			break;
		snprintf(s->unknown[s->unknown_count++], sizeof(s->unknown[0]),
			 "%.63s", de->d_name);
	}
	closedir(dir);
}

static void find_unknown(const struct ksm_root *root, struct ksm_sample *s)
{
	for (int d = 0; d < KNOB_DIR_COUNT; d++)
		if (s->dirs & KNOB_IN(d))
			find_unknown_in(root, s, (enum ksm_knob_dir)d);
}

/* UKSM has no ksm_zero_pages file: its figure is in /proc/meminfo. */
static void meminfo_knobs(struct ksm_sample *s)
{
	for (int i = 0; i < KSM_KNOB_COUNT; i++) {
		struct ksm_value *v = &s->v[i];

		if (!(ksm_knobs[i].flags & KNOB_UKSM_MEMINFO) || v->err != -ENOENT ||
		    !(s->dirs & KNOB_IN_UKSM) || !s->has_meminfo ||
		    !s->mem.present[MEM_KSM_ZERO_PAGES] || s->page_size <= 0)
			continue;
		v->err = 0;
		v->u = s->mem.bytes[MEM_KSM_ZERO_PAGES] /
		       (unsigned long long)s->page_size;
		v->s = (long long)v->u;
	}
}

int ksm_sample_read_only(const struct ksm_root *root,
			 bool (*wanted)(enum ksm_knob_id id), struct ksm_sample *s)
{
	memset(s, 0, sizeof(*s));
	s->dirs = ksm_root_knob_dirs(root);
	if (!s->dirs) {
		int err = ksm_root_exists(root, KSM_SYSFS_DIR);

		return err ? err : -ENOENT;
	}
	s->page_size = sysconf(_SC_PAGESIZE);
	clock_gettime(CLOCK_MONOTONIC, &s->when);
	for (int i = 0; i < KSM_KNOB_COUNT; i++) {
		if (!wanted || wanted((enum ksm_knob_id)i))
			ksm_knob_read(root, &ksm_knobs[i], &s->v[i]);
		else
			s->v[i].err = -ENODATA;
	}
	read_meminfo(root, s);
	meminfo_knobs(s);
	return 0;
}

int ksm_sample_read(const struct ksm_root *root, struct ksm_sample *s)
{
	int err = ksm_sample_read_only(root, NULL, s);

	if (err)
		return err;
	read_release(root, s);
	find_unknown(root, s);
	return 0;
}
