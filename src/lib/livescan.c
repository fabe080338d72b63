// SPDX-License-Identifier: GPL-2.0-or-later
#include "livescan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void ksm_live_init(struct ksm_live *l)
{
	memset(l, 0, sizeof(*l));
}

void ksm_live_free(struct ksm_live *l)
{
	free(l->v);
	free(l->want);
	free(l->want_err);
	memset(l, 0, sizeof(*l));
}

bool ksm_live_due(int pid, bool involved, bool is_new, unsigned long round,
		  unsigned int turns)
{
	if (involved || is_new || turns <= 1)
		return true;
	return (unsigned long)pid % turns == round % turns;
}

static int grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 256;
	void *p;

	if (need <= *cap && *v)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*v, n * elem);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = n;
	return 0;
}

/*
 * Carry over to a new listing of proc/ what was known of the pids still
 * there, and collect the pids this round reads into l->want.
 */
static int choose(struct ksm_live *l, struct ksm_pid_dir *fresh, size_t n,
		  unsigned int turns, size_t *nwant)
{
	size_t j = 0, k = 0, cap = l->want_cap;
	int err;

	/* never NULL: a NULL pid list means "scan everything" */
	err = grow((void **)&l->want, &l->want_cap, n ? n : 1, sizeof(int));
	if (!err)
		err = grow((void **)&l->want_err, &cap, n ? n : 1, sizeof(int));
	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		bool is_new;

		while (j < l->n && l->v[j].pid < fresh[i].pid)
			j++;
		/* a pid seen to exit, or listed with another directory, is
		 * another process */
		is_new = !(j < l->n && l->v[j].pid == fresh[i].pid) ||
			 l->v[j].ino != fresh[i].ino ||
			 l->v[j].state == KSM_LIVE_GONE;
		fresh[i].state = is_new ? KSM_LIVE_IDLE : l->v[j].state;
		if (ksm_live_due(fresh[i].pid, fresh[i].state == KSM_LIVE_INVOLVED,
				 is_new, l->round, turns))
			l->want[k++] = fresh[i].pid;
	}
	*nwant = k;
	return 0;
}

static unsigned char state_of(int err, bool kept)
{
	if (kept)
		return KSM_LIVE_INVOLVED;
	if (err == -EACCES || err == -EPERM)
		return KSM_LIVE_DENIED;
	if (err == -ESRCH || err == -ENOENT)
		return KSM_LIVE_GONE;
	/* kernel threads, zombies: nothing to report */
	if (!err || err == -ENODATA)
		return KSM_LIVE_IDLE;
	return KSM_LIVE_FAILED;
}

/*
 * What each pid read showed: kept ones use KSM (out->v is in want
 * order); then the unreadable counts over every pid, read now or not.
 */
static void mark(struct ksm_live *l, size_t nwant, struct ksm_procs *out)
{
	size_t j = 0, kept = 0, denied = 0, failed = 0, gone = 0;

	for (size_t w = 0; w < nwant; w++) {
		int pid = l->want[w];
		bool is_kept = kept < out->n && out->v[kept].pid == pid;

		if (is_kept)
			kept++;
		while (j < l->n && l->v[j].pid < pid)
			j++;
		if (j < l->n && l->v[j].pid == pid)
			l->v[j].state = state_of(l->want_err[w], is_kept);
	}
	for (size_t i = 0; i < l->n; i++) {
		denied += l->v[i].state == KSM_LIVE_DENIED;
		failed += l->v[i].state == KSM_LIVE_FAILED;
		gone += l->v[i].state == KSM_LIVE_GONE;
	}
	l->gone = gone;
	out->denied = denied;
	/* failed_path and failed_err stay those of this round's reads */
	out->failed = failed;
}

/* Between listings: the pids of the last one, none of them new. */
static int choose_listed(struct ksm_live *l, unsigned int turns, size_t *nwant)
{
	size_t cap = l->want_cap, k = 0;
	int err;

	err = grow((void **)&l->want, &l->want_cap, l->n ? l->n : 1, sizeof(int));
	if (!err)
		err = grow((void **)&l->want_err, &cap, l->n ? l->n : 1, sizeof(int));
	if (err)
		return err;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].state != KSM_LIVE_GONE &&
		    ksm_live_due(l->v[i].pid, l->v[i].state == KSM_LIVE_INVOLVED,
				 false, l->round, turns))
			l->want[k++] = l->v[i].pid;
	*nwant = k;
	return 0;
}

static int relist(const struct ksm_root *root, struct ksm_live *l,
		  unsigned int turns, size_t *nwant)
{
	struct ksm_pid_dir *fresh;
	size_t n;
	int err;

	err = ksm_proc_list(root, &fresh, &n);
	if (err)
		return err;
	err = choose(l, fresh, n, turns, nwant);
	if (err) {
		free(fresh);
		return err;
	}
	free(l->v);
	l->v = fresh;
	l->n = l->cap = n;
	l->listed = true;
	return 0;
}

int ksm_live_scan(const struct ksm_root *root, struct ksm_live *l,
		  const struct ksm_scan_opts *o, unsigned int turns, bool list,
		  struct ksm_procs *out)
{
	struct ksm_scan_opts so = *o;
	size_t nwant;
	int err;

	if (list || !l->listed)
		err = relist(root, l, turns, &nwant);
	else
		err = choose_listed(l, turns, &nwant);
	if (err)
		return err;
	so.pids = l->want;
	so.npids = nwant;
	so.pid_err = l->want_err;
	so.filter_pids = true;
	err = ksm_procs_scan(root, &so, out);
	if (err)
		return err;
	mark(l, nwant, out);
	l->last_read = nwant;
	l->round++;
	return 0;
}
