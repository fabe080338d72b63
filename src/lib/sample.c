// SPDX-License-Identifier: GPL-2.0-or-later
#include "sample.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"

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

int ksm_knob_read_held(const struct ksm_root *root, const struct ksm_knob *knob,
		       struct ksm_value *v, char *held)
{
	char path[128], text[128];
	size_t len;
	int err;

	memset(v, 0, sizeof(*v));
	if (held)
		held[0] = '\0';
	ksm_knob_locate(root, knob, path, sizeof(path));
	err = ksm_read_at(ksm_root_fd(root), path, text, sizeof(text),
			  KSM_READ_PREFIX, &len);
	/* Garbage is not a value, and is not an error of the read either:
	 * -EBADMSG, so a file this kernel lacks (-ENOENT) stays told apart. */
	if (!err && (len == sizeof(text) - 1 || strlen(text) != len ||
		     ksm_knob_parse_shown(knob, text, v))) {
		memset(v, 0, sizeof(*v));
		err = -EBADMSG;
		if (held && len >= KSM_HELD_MAX)
			snprintf(held, KSM_HELD_MAX, "%.*s...", KSM_HELD_MAX - 4, text);
		else if (held)
			snprintf(held, KSM_HELD_MAX, "%.*s", KSM_HELD_MAX - 1, text);
	}
	v->err = err;
	return err;
}

int ksm_knob_read(const struct ksm_root *root, const struct ksm_knob *knob,
		  struct ksm_value *v)
{
	return ksm_knob_read_held(root, knob, v, NULL);
}

void ksm_sample_why(const struct ksm_sample *s, enum ksm_knob_id id,
		    char *buf, size_t size)
{
	const struct ksm_knob *k = &ksm_knobs[id];
	char shown[KSM_HELD_MAX * 4];
	const char *what;
	size_t len;

	if (s->v[id].err == 0 || s->v[id].err == -ENOENT) {
		snprintf(buf, size, "%s", s->v[id].err ? "this kernel lacks it" :
			 "it reads as a value");
		return;
	}
	if (s->v[id].err != -EBADMSG) {
		snprintf(buf, size, "cannot read it: %s",
			 ksm_read_strerror(s->v[id].err));
		return;
	}
	switch (k->kind) {
	case KNOB_BOOL:
		what = "not a boolean";
		break;
	case KNOB_MODE:
		what = "not one of its modes";
		break;
	case KNOB_ULONG_LIST:
	case KNOB_RATIO_LIST:
		what = "not its list of values";
		break;
	default:
		what = "not a number";
	}
	/* what the kernel shows ends in a newline: leave it out */
	len = strlen(s->held[id]);
	snprintf(shown, sizeof(shown), "%.*s",
		 (int)(len && s->held[id][len - 1] == '\n' ? len - 1 : len),
		 s->held[id]);
	if (!shown[0]) {
		snprintf(buf, size, "it is empty, %s", what);
		return;
	}
	{
		char esc[sizeof(shown) * 4];

		ksm_escape(shown, esc, sizeof(esc));
		snprintf(buf, size, "it holds '%s', %s", esc, what);
	}
}

int ksm_sample_need(const struct ksm_sample *s, const enum ksm_knob_id *ids,
		    size_t n, enum ksm_knob_id *culprit, char *why, size_t size)
{
	for (size_t i = 0; i < n; i++) {
		char text[256];

		if (!ksm_bad(s, ids[i]))
			continue;
		if (culprit)
			*culprit = ids[i];
		if (why && size) {
			ksm_sample_why(s, ids[i], text, sizeof(text));
			snprintf(why, size, "%s: %s", ksm_knobs[ids[i]].name, text);
		}
		return s->v[ids[i]].err;
	}
	return 0;
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
	/* there, but not a directory: an error, not a KSM that is off */
	for (int d = 0; d < KNOB_DIR_COUNT; d++) {
		char dot[64];
		int err;

		if (!(s->dirs & KNOB_IN(d)))
			continue;
		snprintf(dot, sizeof(dot), "%s/.",
			 ksm_knob_dir_path((enum ksm_knob_dir)d));
		err = ksm_root_exists(root, dot);
		if (err)
			return err;
	}
	s->page_size = sysconf(_SC_PAGESIZE);
	clock_gettime(CLOCK_MONOTONIC, &s->when);
	for (int i = 0; i < KSM_KNOB_COUNT; i++) {
		if (!wanted || wanted((enum ksm_knob_id)i))
			ksm_knob_read_held(root, &ksm_knobs[i], &s->v[i],
					   s->held[i]);
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
