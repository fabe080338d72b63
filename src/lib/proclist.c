// SPDX-License-Identifier: GPL-2.0-or-later
#include "proclist.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

int ksm_pid_parse(const char *name)
{
	long long v = 0;

	if (name[0] < '1' || name[0] > '9')
		return -1;
	for (const char *p = name; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
		if (v > INT_MAX)
			return -1;
	}
	return (int)v;
}

int ksm_proc_walk_open(const struct ksm_root *root, struct ksm_proc_walk *w)
{
	w->dir = ksm_root_opendir(root, "proc");
	return w->dir ? 0 : -errno;
}

bool ksm_proc_walk_next(struct ksm_proc_walk *w, struct ksm_pid_dir *d)
{
	struct dirent *de;

	while ((de = readdir(w->dir))) {
		int pid = ksm_pid_parse(de->d_name);

		if (pid > 0) {
			d->pid = pid;
			d->state = 0;
			d->ino = (unsigned long)de->d_ino;
			return true;
		}
	}
	return false;
}

int ksm_proc_walk_fd(const struct ksm_proc_walk *w)
{
	return dirfd(w->dir);
}

void ksm_proc_walk_close(struct ksm_proc_walk *w)
{
	if (w->dir)
		closedir(w->dir);
	w->dir = NULL;
}

static int by_pid(const void *a, const void *b)
{
	int x = ((const struct ksm_pid_dir *)a)->pid;
	int y = ((const struct ksm_pid_dir *)b)->pid;

	return (x > y) - (x < y);
}

int ksm_proc_list(const struct ksm_root *root, struct ksm_pid_dir **out,
		  size_t *n)
{
	struct ksm_pid_dir *v = NULL, d;
	struct ksm_proc_walk w;
	size_t cap = 0, len = 0;
	bool sorted = true;
	int err;

	*out = NULL;
	*n = 0;
	err = ksm_proc_walk_open(root, &w);
	if (err)
		return err;
	while (ksm_proc_walk_next(&w, &d)) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct ksm_pid_dir *nv = realloc(v, ncap * sizeof(*nv));

			if (!nv) {
				err = -ENOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		if (len && v[len - 1].pid > d.pid)
			sorted = false;
		v[len++] = d;
	}
	ksm_proc_walk_close(&w);
	if (!err && !v)
		v = malloc(sizeof(*v));
	if (err || !v) {
		free(v);
		return err ? err : -ENOMEM;
	}
	if (!sorted)
		qsort(v, len, sizeof(*v), by_pid);
	*out = v;
	*n = len;
	return 0;
}
