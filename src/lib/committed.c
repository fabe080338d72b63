// SPDX-License-Identifier: GPL-2.0-or-later
#include "committed.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proclist.h"
#include "procstat.h"

/*
 * A tiny /proc file (comm, ksm_stat) in one read(2): procfs hands over
 * such a file whole, and this runs once per process per cycle, where a
 * read until EOF would be a quarter more system calls.
 */
static int read_small(int procfd, const char *rel, char *buf, size_t size)
{
	return ksm_read_at(procfd, rel, buf, size, KSM_READ_ONCE, NULL);
}

/* Account an error reading a process's file: gone, or not ours to read. */
static void count_error(const struct ksm_root *root, int pid, int err,
			struct ksm_committed *out)
{
	char dir[32];

	if (err == -EACCES || err == -EPERM) {
		out->denied++;
		return;
	}
	snprintf(dir, sizeof(dir), "proc/%d", pid);
	if (err == -ESRCH || ksm_root_exists(root, dir))
		out->vanished++;
}

/* Does ksmd track pages of the process (ksm_rmap_items > 0)? */
static bool ksm_user(const struct ksm_root *root, int procfd, int pid,
		     struct ksm_committed *out)
{
	struct ksm_procstat st;
	char path[48], text[512];
	int err;

	snprintf(path, sizeof(path), "%d/ksm_stat", pid);
	err = read_small(procfd, path, text, sizeof(text));
	if (err) {
		/* (ENOENT with the process still there: a kernel before 6.1) */
		count_error(root, pid, err, out);
		return false;
	}
	return ksm_procstat_parse(text, &st) == 0 && st.rmap_items > 0;
}

/* The process's PSS (or RSS); -ENODATA for kernel threads and zombies. */
static int process_size(const struct ksm_root *root, int pid,
			bool rss, unsigned long long *bytes,
			struct ksm_committed *out)
{
	char path[48], text[8192];
	int err;

	if (!rss) {
		snprintf(path, sizeof(path), "proc/%d/smaps_rollup", pid);
		err = ksm_root_read(root, path, text, sizeof(text));
		if (!err)
			return ksm_smaps_rollup_pss(text, bytes);
		snprintf(path, sizeof(path), "proc/%d", pid);
		if (err != -ENOENT || ksm_root_exists(root, path))
			return err;
		out->rss_fallback++;	/* before 4.14: no smaps_rollup */
	}
	snprintf(path, sizeof(path), "proc/%d/status", pid);
	err = ksm_root_read(root, path, text, sizeof(text));
	if (err)
		return err;
	return ksm_status_rss(text, bytes);
}

enum seen { SEEN_USER, SEEN_KTHREAD, SEEN_GONE };

/*
 * The name of a process: from stat the first time (which also tells a
 * kernel thread), from comm when we have met the process before.
 */
static enum seen read_name(const struct ksm_root *root, int procfd, int pid,
			   bool known, char *comm, size_t size,
			   struct ksm_committed *out)
{
	char path[48], text[1024];
	struct ksm_task_stat st;
	int err;

	if (!known) {
		snprintf(path, sizeof(path), "%d/stat", pid);
		err = read_small(procfd, path, text, sizeof(text));
		if (!err && !ksm_task_stat_parse(text, &st)) {
			snprintf(comm, size, "%s", st.comm);
			return st.flags & KSM_PF_KTHREAD ? SEEN_KTHREAD : SEEN_USER;
		}
		if (err && err != -ENOENT) {
			count_error(root, pid, err, out);
			return SEEN_GONE;
		}
		/* no (or odd) stat: a recorded sysroot; comm says enough */
	}
	/* relative to proc/: one path component less per process */
	snprintf(path, sizeof(path), "%d/comm", pid);
	err = read_small(procfd, path, comm, size);
	if (err) {
		count_error(root, pid, err, out);
		return SEEN_GONE;
	}
	comm[strcspn(comm, "\n")] = '\0';
	return SEEN_USER;
}

static enum seen count_one(const struct ksm_root *root, int procfd,
			   const struct ksm_committed_opts *o, int pid,
			   bool known, struct ksm_committed *out)
{
	unsigned long long bytes = 0;
	bool by_name = false;
	enum seen seen;
	char comm[64];
	int err;

	seen = read_name(root, procfd, pid, known, comm, sizeof(comm), out);
	if (seen != SEEN_USER)
		return seen;
	by_name = o->re && regexec(o->re, comm, 0, NULL, 0) == 0;
	if (!by_name && !(o->include_ksm_users && ksm_user(root, procfd, pid, out)))
		return seen;
	err = process_size(root, pid, o->rss, &bytes, out);
	if (err == -ENODATA)
		return seen;
	if (err) {
		count_error(root, pid, err, out);
		return SEEN_GONE;
	}
	out->bytes += bytes;
	out->procs++;
	if (by_name)
		out->by_name++;
	else
		out->ksm_users++;
	return seen;
}

void ksm_committed_cache_free(struct ksm_committed_cache *c)
{
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

static const struct ksm_pid_seen *cache_find(const struct ksm_committed_cache *c,
					     int pid)
{
	size_t lo = 0, hi = c ? c->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->v[mid].pid == pid)
			return &c->v[mid];
		if (c->v[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int by_pid(const void *a, const void *b)
{
	const struct ksm_pid_seen *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Remember a process for the next scan; on ENOMEM forget everything. */
static void remember(struct ksm_committed_cache *next, size_t *cap,
		     bool *failed, const struct ksm_pid_seen *seen)
{
	if (*failed)
		return;
	if (next->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		struct ksm_pid_seen *v = realloc(next->v, ncap * sizeof(*v));

		if (!v) {
			*failed = true;
			return;
		}
		next->v = v;
		*cap = ncap;
	}
	next->v[next->n++] = *seen;
}

int ksm_committed_scan(const struct ksm_root *root,
		       const struct ksm_committed_opts *o,
		       struct ksm_committed_cache *cache,
		       struct ksm_committed *out)
{
	struct ksm_committed_cache next = { NULL, 0 };
	bool failed = false, sorted = true;
	struct ksm_proc_walk w;
	struct ksm_pid_dir d;
	size_t cap = 0;
	int err;

	memset(out, 0, sizeof(*out));
	err = ksm_proc_walk_open(root, &w);
	if (err)
		return err;
	while (ksm_proc_walk_next(&w, &d)) {
		struct ksm_pid_seen seen = { .ino = d.ino, .pid = d.pid };
		const struct ksm_pid_seen *old;
		enum seen what;

		out->seen++;
		old = cache_find(cache, seen.pid);
		if (old && old->ino != seen.ino)
			old = NULL;	/* the pid was reused */
		if (old && old->kthread) {
			out->kthreads++;
			what = SEEN_KTHREAD;
		} else {
			/* without a cache, comm is the cheaper read */
			what = count_one(root, ksm_proc_walk_fd(&w), o, seen.pid,
					 old != NULL || !cache, out);
			out->kthreads += what == SEEN_KTHREAD;
		}
		if (!cache || what == SEEN_GONE)
			continue;
		seen.kthread = what == SEEN_KTHREAD;
		if (next.n && next.v[next.n - 1].pid > seen.pid)
			sorted = false;
		remember(&next, &cap, &failed, &seen);
	}
	ksm_proc_walk_close(&w);
	if (!cache)
		return 0;
	ksm_committed_cache_free(cache);
	if (failed) {
		free(next.v);
		return 0;
	}
	/* /proc lists pids in order; a recorded sysroot may not */
	if (!sorted)
		qsort(next.v, next.n, sizeof(*next.v), by_pid);
	*cache = next;
	return 0;
}
