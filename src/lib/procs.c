// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The process scan, grouping and totals.
 *
 * Scanning /proc is the whole cost of `ksmctl ps`, so a process without
 * KSM use costs one read of ksm_stat, as `cat /proc/[0-9]* /ksm_stat`
 * does; only the processes kept are asked for their name, owner and
 * cgroup, and only qemu processes for their command line.  Kept
 * processes live in one growing array and their strings in one growing
 * pool: no allocation per process.
 */
#include "procs.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"
#include "proclist.h"
#include "units.h"

#define STAT_BUF 1024
#define STATUS_BUF 2048
#define CGROUP_BUF 4096
#define CMDLINE_BUF 65536

enum stat_mode {
	MODE_UNKNOWN,	/* no process read yet */
	MODE_STAT,	/* /proc/PID/ksm_stat (6.1+) */
	MODE_MERGING,	/* only /proc/PID/ksm_merging_pages (5.19, 6.0) */
};

struct scan {
	const struct ksm_root *root;
	const struct ksm_scan_opts *o;
	struct ksm_procs *out;
	enum stat_mode mode;
	size_t read_ok;		/* processes whose figures we read */
	size_t no_file;		/* neither file, process still there */
	char *cmdline;		/* CMDLINE_BUF, allocated on first use */
};

/* Offset 0 is the empty string: an empty name takes no room. */
static int pool_add(struct ksm_procs *p, const char *s, size_t *off)
{
	*off = 0;
	return s[0] ? ksm_strpool_add(&p->pool, s, off) : 0;
}

static int procs_init(struct ksm_procs *p)
{
	size_t off;

	memset(p, 0, sizeof(*p));
	/* offset 0 is the empty string */
	return ksm_strpool_add(&p->pool, "", &off);
}

void ksm_procs_free(struct ksm_procs *p)
{
	if (!p)
		return;
	free(p->v);
	ksm_strpool_free(&p->pool);
	free(p->users);
	memset(p, 0, sizeof(*p));
}

/* The user name of uid, looked up once per uid (NSS is slow). */
static int user_name(struct ksm_procs *p, unsigned int uid, size_t *off)
{
	struct passwd *pw;
	char num[16];
	int err;

	for (size_t i = 0; i < p->nusers; i++) {
		if (p->users[i].uid == uid) {
			*off = p->users[i].name;
			return 0;
		}
	}
	if (p->nusers == p->users_cap) {
		size_t cap = p->users_cap ? p->users_cap * 2 : 16;
		void *users = realloc(p->users, cap * sizeof(*p->users));

		if (!users)
			return -ENOMEM;
		p->users = users;
		p->users_cap = cap;
	}
	pw = getpwuid(uid);
	if (!pw || !pw->pw_name[0]) {
		snprintf(num, sizeof(num), "%u", uid);
		err = pool_add(p, num, off);
	} else {
		err = pool_add(p, pw->pw_name, off);
	}
	if (err)
		return err;
	p->users[p->nusers].uid = uid;
	p->users[p->nusers].name = *off;
	p->nusers++;
	return 0;
}

static bool gone(int err)
{
	return err == -ENOENT || err == -ESRCH;
}

static bool denied(int err)
{
	return err == -EACCES || err == -EPERM;
}

static int read_file(struct scan *sc, int pid, const char *file, char *buf,
		     size_t size)
{
	char path[64];
	int err;

	snprintf(path, sizeof(path), "proc/%d/%s", pid, file);
	err = ksm_root_read(sc->root, path, buf, size);
	/* Status and cmdline may outgrow the buffer: what we need comes
	 * first, and the rest is not worth a bigger read. */
	return err == -EFBIG ? 0 : err;
}

static void note_failure(struct scan *sc, int pid, const char *file, int err)
{
	struct ksm_procs *out = sc->out;

	if (denied(err)) {
		out->denied++;
		return;
	}
	if (!out->failed++) {
		out->failed_err = err;
		snprintf(out->failed_path, sizeof(out->failed_path),
			 "proc/%d/%s", pid, file);
	}
}

/*
 * Read the figures of one process.  0 when st holds them; otherwise the
 * reason: gone, -ENODATA (no mm), -EACCES, other -errno.
 */
static int read_figures(struct scan *sc, int pid, struct ksm_procstat *st,
			bool keep_anyway)
{
	char buf[STAT_BUF];
	int err = -ENOENT;

	if (sc->mode != MODE_MERGING) {
		err = read_file(sc, pid, "ksm_stat", buf, sizeof(buf));
		if (!err) {
			sc->mode = MODE_STAT;
			err = ksm_procstat_parse(buf, st);
			if (err)
				return err;
			/* 6.1-6.3: merging pages only in their own file.  A
			 * merged page has an rmap item: none, nothing merged. */
			if (!(st->have & KSM_PF_BIT(KSM_PF_MERGING)) &&
			    (st->rmap_items || keep_anyway)) {
				err = read_file(sc, pid, "ksm_merging_pages", buf,
						sizeof(buf));
				if (!err)
					err = ksm_procstat_parse_merging(buf, st);
				if (err)
					return err;
			} else if (!(st->have & KSM_PF_BIT(KSM_PF_MERGING))) {
				st->have |= KSM_PF_BIT(KSM_PF_MERGING);
			}
			return 0;
		}
		if (!gone(err) || sc->mode == MODE_STAT)
			return err;
	}
	/* No ksm_stat: a 5.19/6.0 kernel, or the process is gone. */
	memset(st, 0, sizeof(*st));
	st->merge_any = st->mergeable = KSM_TRI_UNKNOWN;
	err = read_file(sc, pid, "ksm_merging_pages", buf, sizeof(buf));
	if (!err) {
		sc->mode = MODE_MERGING;
		return ksm_procstat_parse_merging(buf, st);
	}
	if (gone(err) && sc->mode == MODE_UNKNOWN) {
		char path[32];

		snprintf(path, sizeof(path), "proc/%d", pid);
		if (!ksm_root_exists(sc->root, path))
			sc->no_file++;
	}
	return err;
}

/*
 * A name we could not read (not gone, just unreadable) leaves the field
 * empty: the figures are what matter.  Returns 0 or the error to pass on.
 */
static int name_err(int err)
{
	return gone(err) || err == -ENOMEM ? err : 0;
}

static int read_comm(struct scan *sc, int pid, char *comm, size_t size)
{
	size_t len;
	int err = read_file(sc, pid, "comm", comm, size);

	if (err) {
		comm[0] = '\0';
		return name_err(err);
	}
	/* a comm may hold '\n' itself: strip only the kernel's */
	len = strlen(comm);
	if (len && comm[len - 1] == '\n')
		comm[len - 1] = '\0';
	return 0;
}

static int read_uid(struct scan *sc, struct ksm_proc *pr)
{
	const struct ksm_scan_opts *o = sc->o;
	char buf[STATUS_BUF];
	int err;

	err = read_file(sc, pr->pid, "status", buf, sizeof(buf));
	if (!err)
		pr->has_uid = !ksm_status_euid(buf, &pr->uid);
	if (gone(err))
		return err;
	/* -u shows only what we know to be that user's */
	if (o->by_uid && (!pr->has_uid || pr->uid != o->uid))
		return -ECHILD;
	return 0;
}

static int read_cgroup(struct scan *sc, int pid, char *cg, size_t size)
{
	char buf[CGROUP_BUF];
	int err;

	cg[0] = '\0';
	err = read_file(sc, pid, "cgroup", buf, sizeof(buf));
	if (err)
		return name_err(err);
	ksm_cgroup_path(buf, cg, size);
	return 0;
}

static int vm_name(struct scan *sc, int pid, const char *comm, const char *cg,
		   char *vm, size_t size)
{
	char *p;
	size_t len = 0;
	int err;

	vm[0] = '\0';
	/* Only qemu is asked for its command line: it can be long. */
	if (!strncmp(comm, "qemu", 4)) {
		if (!sc->cmdline) {
			sc->cmdline = malloc(CMDLINE_BUF);
			if (!sc->cmdline)
				return -ENOMEM;
		}
		p = sc->cmdline;
		/* ksm_root_read does not say how much it read: zeroes
		 * make the end of the NUL-separated list findable. */
		memset(p, 0, CMDLINE_BUF);
		err = read_file(sc, pid, "cmdline", p, CMDLINE_BUF);
		if (err)
			return name_err(err);
		while (len < CMDLINE_BUF - 2 && (p[len] || p[len + 1]))
			len++;
		ksm_cmdline_vm(p, len, vm, size);
	}
	if (!vm[0])
		ksm_cgroup_vm(cg, vm, size);
	return 0;
}

/* comm, uid, cgroup and VM, as far as the output needs them. */
static int read_names(struct scan *sc, struct ksm_proc *pr, char *comm,
		      size_t comm_size, char *cg, size_t cg_size, char *vm,
		      size_t vm_size)
{
	const struct ksm_scan_opts *o = sc->o;
	int err = 0;

	comm[0] = cg[0] = vm[0] = '\0';
	if (o->need & KSM_NEED_UID || o->by_uid)
		err = read_uid(sc, pr);
	if (!err && o->need & (KSM_NEED_COMM | KSM_NEED_VM))
		err = read_comm(sc, pr->pid, comm, comm_size);
	if (!err && o->need & (KSM_NEED_CGROUP | KSM_NEED_VM))
		err = read_cgroup(sc, pr->pid, cg, cg_size);
	if (!err && o->need & KSM_NEED_VM)
		err = vm_name(sc, pr->pid, comm, cg, vm, vm_size);
	if (!(o->need & KSM_NEED_COMM))
		comm[0] = '\0';
	return err;
}

static int keep(struct scan *sc, const struct ksm_proc *pr, const char *comm,
		const char *cg, const char *vm)
{
	struct ksm_procs *out = sc->out;
	struct ksm_proc *slot;
	char unit[256];
	int err = 0;

	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 256;
		struct ksm_proc *v = realloc(out->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		out->v = v;
		out->cap = cap;
	}
	slot = &out->v[out->n];
	*slot = *pr;
	slot->comm = slot->user = slot->cgroup = slot->unit = slot->vm = 0;
	err = pool_add(out, comm, &slot->comm);
	if (!err && pr->has_uid && sc->o->need & KSM_NEED_UID)
		err = user_name(out, pr->uid, &slot->user);
	if (!err && sc->o->need & KSM_NEED_CGROUP) {
		err = pool_add(out, cg, &slot->cgroup);
		ksm_cgroup_unit(cg, unit, sizeof(unit));
		if (!err)
			err = pool_add(out, unit, &slot->unit);
	}
	if (!err)
		err = pool_add(out, vm, &slot->vm);
	if (!err)
		out->n++;
	return err;
}

/*
 * Look at one process.  Returns 0 (kept or skipped) or -ENOMEM; the
 * per-pid outcome goes to *result.
 */
static int scan_pid(struct scan *sc, int pid, bool requested, int *result)
{
	const struct ksm_scan_opts *o = sc->o;
	struct ksm_proc pr = { .pid = pid };
	char comm[80], cg[CGROUP_BUF], vm[256];
	bool keep_anyway = (requested && !o->filter_pids) || o->all;
	int err;

	sc->out->seen++;
	err = read_figures(sc, pid, &pr.st, keep_anyway);
	*result = err;
	if (err == -ENODATA) {
		sc->out->kthreads++;
		return 0;
	}
	if (err) {
		if (gone(err))
			sc->out->vanished++;
		else
			note_failure(sc, pid, "ksm_stat", err);
		return 0;
	}
	sc->read_ok++;
	sc->out->have |= pr.st.have;
	ksm_procstat_finish(&pr.st, o->page_size);
	if (!keep_anyway && !ksm_procstat_involved(&pr.st))
		return 0;
	err = read_names(sc, &pr, comm, sizeof(comm), cg, sizeof(cg), vm,
			 sizeof(vm));
	if (err == -ENOMEM)
		return err;
	if (err) {
		/* gone meanwhile, or another user's with -u */
		if (gone(err))
			sc->out->vanished++;
		*result = gone(err) ? -ESRCH : err;
		return 0;
	}
	return keep(sc, &pr, comm, cg, vm);
}

static int scan_all(struct scan *sc)
{
	struct ksm_proc_walk w;
	struct ksm_pid_dir d;
	int err, result;

	err = ksm_proc_walk_open(sc->root, &w);
	if (err)
		return err;
	while (!err && ksm_proc_walk_next(&w, &d))
		err = scan_pid(sc, d.pid, false, &result);
	ksm_proc_walk_close(&w);
	return err;
}

static int scan_list(struct scan *sc)
{
	const struct ksm_scan_opts *o = sc->o;
	int err = 0, result;

	for (size_t i = 0; i < o->npids && !err; i++) {
		err = scan_pid(sc, o->pids[i], true, &result);
		if (o->pid_err)
			o->pid_err[i] = gone(result) ? -ESRCH : result;
	}
	return err;
}

int ksm_procs_scan(const struct ksm_root *root, const struct ksm_scan_opts *o,
		   struct ksm_procs *out)
{
	struct scan sc = { .root = root, .o = o, .out = out };
	int err;

	err = procs_init(out);
	if (err)
		return err;
	err = o->pids ? scan_list(&sc) : scan_all(&sc);
	free(sc.cmdline);
	/* Not one process had either file, though they were there. */
	out->no_files = sc.read_ok == 0 && sc.no_file > 0 && !out->denied;
	out->read_ok = sc.read_ok;
	if (err)
		ksm_procs_free(out);
	return err;
}

unsigned int ksm_procs_missing(const struct ksm_procs *p)
{
	unsigned int standard = 0;

	if (!p->read_ok)
		return 0;
	for (int f = 0; f < KSM_PF_COUNT; f++)
		if (f != KSM_PF_COW)
			standard |= KSM_PF_BIT(f);
	return standard & ~p->have;
}

int ksm_proc_areas(const struct ksm_root *root, int pid,
		   struct ksm_areas *out)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	ssize_t len;
	struct stat st;
	FILE *f;
	int fd, err = 0;

	ksm_areas_init(out);
	snprintf(path, sizeof(path), "proc/%d/smaps", pid);
	/* never blocks: procfs files are regular, a FIFO in a sysroot is not */
	fd = openat(ksm_root_fd(root), path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	f = fdopen(fd, "r");
	if (!f) {
		err = -errno;
		close(fd);
		return err;
	}
	errno = 0;
	while (!err && (len = getline(&line, &cap, f)) >= 0) {
		if (len && line[len - 1] == '\n')
			line[len - 1] = '\0';
		err = ksm_areas_line(out, line);
	}
	if (!err && ferror(f))
		err = errno ? -errno : -EIO;
	free(line);
	fclose(f);
	return err;
}

static const char *const group_names[] = {
	[KSM_BY_NONE] = "",
	[KSM_BY_CGROUP] = "cgroup",
	[KSM_BY_UNIT] = "unit",
	[KSM_BY_VM] = "vm",
	[KSM_BY_USER] = "user",
	[KSM_BY_COMM] = "comm",
};

enum ksm_group_by ksm_group_by_parse(const char *name)
{
	for (int i = KSM_BY_CGROUP; i <= KSM_BY_COMM; i++)
		if (!strcmp(name, group_names[i]))
			return (enum ksm_group_by)i;
	return KSM_BY_NONE;
}

const char *ksm_group_by_name(enum ksm_group_by by)
{
	return group_names[by];
}

unsigned int ksm_group_by_need(enum ksm_group_by by)
{
	switch (by) {
	case KSM_BY_CGROUP:
	case KSM_BY_UNIT:
		return KSM_NEED_CGROUP;
	case KSM_BY_VM:
		return KSM_NEED_VM;
	case KSM_BY_USER:
		return KSM_NEED_UID;
	case KSM_BY_COMM:
		return KSM_NEED_COMM;
	default:
		return 0;
	}
}

void ksm_psum_add(struct ksm_psum *sum, const struct ksm_proc *p)
{
	const struct ksm_procstat *s = &p->st;
	struct ksm_procstat *t = &sum->st;

	if (!sum->procs++) {
		t->have = s->have;
		t->profit_known = s->profit_known;
		t->merge_any = t->mergeable = KSM_TRI_UNKNOWN;
	} else {
		/* a sum is only as complete as its least complete member */
		t->have &= s->have;
		t->profit_known &= s->profit_known;
	}
	/* saturated, never wrapped (units.h) */
	t->rmap_items = ksm_sat_add(t->rmap_items, s->rmap_items);
	t->zero_pages = ksm_sat_add(t->zero_pages, s->zero_pages);
	t->merging_pages = ksm_sat_add(t->merging_pages, s->merging_pages);
	t->cow_pages = ksm_sat_add(t->cow_pages, s->cow_pages);
	t->profit = ksm_sat_sadd(t->profit, s->profit);
	t->profit_computed |= s->profit_computed;
	sum->merge_any += s->merge_any == KSM_TRI_YES;
	sum->mergeable += s->mergeable == KSM_TRI_YES;
}

void ksm_procs_total(const struct ksm_procs *p, struct ksm_psum *total)
{
	memset(total, 0, sizeof(*total));
	for (size_t i = 0; i < p->n; i++)
		ksm_psum_add(total, &p->v[i]);
	/* nothing to add up: every sum is known, and 0 */
	if (!p->n) {
		total->st.have = ~KSM_PF_BIT(KSM_PF_COW) &
				 (KSM_PF_BIT(KSM_PF_COUNT) - 1);
		total->st.profit_known = true;
		total->st.merge_any = total->st.mergeable = KSM_TRI_UNKNOWN;
	}
}

static size_t group_key(const struct ksm_proc *p, enum ksm_group_by by)
{
	switch (by) {
	case KSM_BY_CGROUP:
		return p->cgroup;
	case KSM_BY_UNIT:
		return p->unit;
	case KSM_BY_VM:
		return p->vm;
	case KSM_BY_USER:
		return p->user;
	case KSM_BY_COMM:
		return p->comm;
	default:
		return 0;
	}
}

struct key_ctx {
	const struct ksm_procs *p;
	enum ksm_group_by by;
};

static int key_cmp(const void *a, const void *b, void *arg)
{
	const struct key_ctx *c = arg;
	const struct ksm_proc *x = &c->p->v[*(const size_t *)a];
	const struct ksm_proc *y = &c->p->v[*(const size_t *)b];

	return strcmp(ksm_procs_str(c->p, group_key(x, c->by)),
		      ksm_procs_str(c->p, group_key(y, c->by)));
}

int ksm_procs_group(const struct ksm_procs *p, enum ksm_group_by by,
		    struct ksm_psum **out, size_t *n)
{
	struct key_ctx ctx = { p, by };
	struct ksm_psum *groups = NULL;
	size_t *idx, ng = 0;

	*out = NULL;
	*n = 0;
	if (!p->n)
		return 0;
	idx = malloc(p->n * sizeof(*idx));
	groups = calloc(p->n, sizeof(*groups));
	if (!idx || !groups) {
		free(idx);
		free(groups);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->n; i++)
		idx[i] = i;
	qsort_r(idx, p->n, sizeof(*idx), key_cmp, &ctx);
	for (size_t i = 0; i < p->n; i++) {
		const struct ksm_proc *pr = &p->v[idx[i]];
		size_t key = group_key(pr, by);

		if (!ng || strcmp(ksm_procs_str(p, groups[ng - 1].key),
				  ksm_procs_str(p, key)))
			groups[ng++].key = key;
		ksm_psum_add(&groups[ng - 1], pr);
	}
	free(idx);
	*out = groups;
	*n = ng;
	return 0;
}

void ksm_system_stat(const struct ksm_sample *s, struct ksm_procstat *st)
{
	struct ksm_metrics m;

	memset(st, 0, sizeof(*st));
	st->merge_any = st->mergeable = KSM_TRI_UNKNOWN;
	ksm_metrics_compute(s, &m);
	st->rmap_items = m.rmap_items;
	st->merging_pages = ksm_sat_add(ksm_u(s, KSM_PAGES_SHARED),
					ksm_u(s, KSM_PAGES_SHARING));
	/* what a counter that could not be read gives is unknown, not 0 */
	if (!(m.unknown & KSM_M_RMAP))
		st->have |= KSM_PF_BIT(KSM_PF_RMAP);
	if (!KSM_NEED(s, NULL, NULL, 0, KSM_PAGES_SHARED, KSM_PAGES_SHARING))
		st->have |= KSM_PF_BIT(KSM_PF_MERGING);
	if (!(m.unknown & KSM_M_PROFIT))
		st->have |= KSM_PF_BIT(KSM_PF_PROFIT);
	if (ksm_has(s, KSM_ZERO_PAGES)) {
		long long zero = ksm_s(s, KSM_ZERO_PAGES);

		st->zero_pages = zero > 0 ? (unsigned long long)zero : 0;
		st->have |= KSM_PF_BIT(KSM_PF_ZERO);
	}
	st->profit = m.general_profit;
	st->profit_known = !(m.unknown & KSM_M_PROFIT);
	st->profit_computed = !m.profit_from_kernel;
}

bool ksm_procs_unexplained(const struct ksm_procstat *seen,
			   const struct ksm_procstat *system, double *pct)
{
	const unsigned int need = KSM_PF_BIT(KSM_PF_MERGING);
	unsigned long long have, all;

	if (!(seen->have & need) || !(system->have & need))
		return false;
	have = seen->merging_pages;
	all = system->merging_pages;
	/* zero pages where both sides count them */
	if (seen->have & system->have & KSM_PF_BIT(KSM_PF_ZERO)) {
		have += seen->zero_pages;
		all += system->zero_pages;
	}
	if (have >= all || all - have < KSM_SEEN_MIN_GAP)
		return false;
	*pct = 100.0 * (double)have / (double)all;
	return *pct < KSM_SEEN_MIN_PCT;
}

double ksm_share_pct(const struct ksm_procstat *st,
		     const struct ksm_procstat *system)
{
	double all = (double)system->merging_pages + (double)system->zero_pages;

	if (!(all > 0) || !(st->have & KSM_PF_BIT(KSM_PF_MERGING)))
		return NAN;
	return 100.0 * ((double)st->merging_pages + (double)st->zero_pages) / all;
}
