// SPDX-License-Identifier: GPL-2.0-or-later
/* Parsing /proc/PID/ksm_stat and friends: text in, figures out. */
#include "procstat.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knobs.h"
#include "metrics.h"
#include "parse.h"
#include "units.h"

static const struct {
	const char *name;
	unsigned int since;
} pfields[KSM_PF_COUNT] = {
	[KSM_PF_RMAP] = { "ksm_rmap_items", KSM_VERSION(6, 1, 0) },
	[KSM_PF_ZERO] = { "ksm_zero_pages", KSM_VERSION(6, 5, 0) },
	[KSM_PF_MERGING] = { "ksm_merging_pages", KSM_VERSION(6, 4, 0) },
	[KSM_PF_PROFIT] = { "ksm_process_profit", KSM_VERSION(6, 4, 0) },
	[KSM_PF_MERGE_ANY] = { "ksm_merge_any", KSM_VERSION(6, 15, 0) },
	[KSM_PF_MERGEABLE] = { "ksm_mergeable", KSM_VERSION(6, 15, 0) },
	[KSM_PF_COW] = { "ksm_cow_pages", 0 },
};

unsigned int ksm_pfield_since(enum ksm_pfield f)
{
	return pfields[f].since;
}

const char *ksm_pfield_name(enum ksm_pfield f)
{
	return pfields[f].name;
}

static int field_by_name(const char *name, size_t len)
{
	for (int f = 0; f < KSM_PF_COUNT; f++)
		if (strlen(pfields[f].name) == len &&
		    !memcmp(pfields[f].name, name, len))
			return f;
	return -1;
}

static int parse_yes_no(const char *v, enum ksm_tri *out)
{
	if (!strcmp(v, "yes"))
		*out = KSM_TRI_YES;
	else if (!strcmp(v, "no"))
		*out = KSM_TRI_NO;
	else
		return -EINVAL;
	return 0;
}

/* Store one "name value" pair; value is NUL-terminated, trimmed. */
static int set_field(struct ksm_procstat *st, int f, const char *value)
{
	unsigned long long u = 0;
	long long s = 0;
	int err;

	switch (f) {
	case KSM_PF_MERGE_ANY:
		err = parse_yes_no(value, &st->merge_any);
		break;
	case KSM_PF_MERGEABLE:
		err = parse_yes_no(value, &st->mergeable);
		break;
	case KSM_PF_PROFIT:
		err = ksm_parse_ll(value, &s);
		st->profit = s;
		st->profit_known = !err;
		break;
	case KSM_PF_ZERO:
		/* Signed in the kernel (atomic_long_t); a negative reading
		 * is a transient accounting artefact, not a debt. */
		err = ksm_parse_ll(value, &s);
		st->zero_pages = s > 0 ? (unsigned long long)s : 0;
		break;
	default:
		err = ksm_parse_ull(value, &u);
		if (f == KSM_PF_RMAP)
			st->rmap_items = u;
		else if (f == KSM_PF_MERGING)
			st->merging_pages = u;
		else
			st->cow_pages = u;
	}
	if (!err)
		st->have |= KSM_PF_BIT(f);
	return err;
}

static void procstat_init(struct ksm_procstat *st)
{
	memset(st, 0, sizeof(*st));
	st->merge_any = KSM_TRI_UNKNOWN;
	st->mergeable = KSM_TRI_UNKNOWN;
}

int ksm_procstat_parse(const char *text, struct ksm_procstat *st)
{
	const char *line = text;

	procstat_init(st);
	while (*line) {
		const char *end = strchrnul(line, '\n');
		size_t nlen = strcspn(line, ": \t\n");
		const char *v = line + nlen;
		char value[32];
		size_t vlen;
		int f = field_by_name(line, nlen);

		if (f >= 0) {
			if (*v == ':')
				v++;
			while (*v == ' ' || *v == '\t')
				v++;
			vlen = (size_t)(end - v);
			while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (vlen >= sizeof(value))
				return -EINVAL;
			memcpy(value, v, vlen);
			value[vlen] = '\0';
			if (set_field(st, f, value))
				return -EINVAL;
		}
		line = *end ? end + 1 : end;
	}
	return st->have ? 0 : -ENODATA;
}

int ksm_procstat_parse_merging(const char *text, struct ksm_procstat *st)
{
	const char *p = text;

	while (*p == ' ' || *p == '\n')
		p++;
	if (!*p)
		return -ENODATA;
	if (ksm_parse_ull(p, &st->merging_pages))
		return -EINVAL;
	st->have |= KSM_PF_BIT(KSM_PF_MERGING);
	return 0;
}

void ksm_procstat_finish(struct ksm_procstat *st, long page_size)
{
	const unsigned int need = KSM_PF_BIT(KSM_PF_RMAP) |
				  KSM_PF_BIT(KSM_PF_MERGING);
	unsigned long long saved, cost;

	if (st->have & KSM_PF_BIT(KSM_PF_PROFIT))
		return;
	st->profit_known = false;
	st->profit_computed = false;
	if ((st->have & need) != need)
		return;
	/* mm/ksm.c ksm_process_profit(); zero pages count only where the
	 * kernel reports them (6.5+), as there. */
	/* saturated: absurd figures (a damaged sysroot) must not overflow */
	saved = ksm_pages_bytes(ksm_sat_add(st->merging_pages, st->zero_pages),
				page_size);
	cost = ksm_sat_mul(st->rmap_items, (unsigned long long)KSM_RMAP_ITEM_SIZE);
	/* both beyond 64 bits: what is left of one less the other is unknown */
	if (saved == KSM_SAT && cost == KSM_SAT)
		return;
	st->profit = ksm_sat_diff(saved, cost);
	st->profit_known = true;
	st->profit_computed = true;
}

bool ksm_procstat_involved(const struct ksm_procstat *st)
{
	return st->rmap_items || st->merging_pages || st->zero_pages ||
	       st->cow_pages || st->merge_any == KSM_TRI_YES ||
	       st->mergeable == KSM_TRI_YES;
}

enum ksm_verdict ksm_procstat_verdict(const struct ksm_procstat *st,
				      long page_size)
{
	const unsigned int need = KSM_PF_BIT(KSM_PF_RMAP) |
				  KSM_PF_BIT(KSM_PF_MERGING);
	unsigned long long limit, merged;

	if ((st->have & need) != need || st->rmap_items == 0)
		return KSM_VERDICT_NONE;
	merged = ksm_sat_add(st->merging_pages, st->zero_pages);
	if (merged == 0)
		return KSM_VERDICT_WASTE;
	/* 4096 / 64 = 64 on 64-bit, the docs' figure; 128 on 32-bit. */
	limit = (unsigned long long)page_size / KSM_RMAP_ITEM_SIZE;
	if (merged > ULLONG_MAX / limit)
		return KSM_VERDICT_OK;
	return st->rmap_items > merged * limit ? KSM_VERDICT_WASTE :
						 KSM_VERDICT_OK;
}

const char *ksm_verdict_text(enum ksm_verdict v)
{
	switch (v) {
	case KSM_VERDICT_OK:
		return "ok";
	case KSM_VERDICT_WASTE:
		return "waste";
	default:
		return "";
	}
}

int ksm_verdict_rank(enum ksm_verdict v)
{
	switch (v) {
	case KSM_VERDICT_WASTE:
		return 0;
	case KSM_VERDICT_OK:
		return 1;
	default:
		return 2;
	}
}

int ksm_status_euid(const char *text, unsigned int *uid)
{
	const char *p = text;
	unsigned long long v;
	char num[16];
	size_t len;

	for (;;) {
		if (!strncmp(p, "Uid:", 4))
			break;
		p = strchr(p, '\n');
		if (!p)
			return -ENODATA;
		p++;
	}
	/* "Uid:\treal\teffective\tsaved\tfs" */
	p += 4;
	for (int field = 0; field < 2; field++) {
		p += strspn(p, " \t");
		len = strspn(p, "0123456789");
		if (!len || len >= sizeof(num))
			return -EINVAL;
		if (field == 1)
			break;
		p += len;
	}
	memcpy(num, p, len);
	num[len] = '\0';
	if (ksm_parse_ull(num, &v) || v > UINT_MAX)
		return -EINVAL;
	*uid = (unsigned int)v;
	return 0;
}

/* The value of a "Name:   1234 kB" line, in bytes. */
static int kb_line(const char *text, const char *name,
		   unsigned long long *bytes)
{
	size_t len = strlen(name);
	const char *line = text;

	while (*line) {
		if (!strncmp(line, name, len) && line[len] == ':') {
			const char *p = line + len + 1;
			unsigned long long n = 0;
			bool digits = false;

			while (*p == ' ' || *p == '\t')
				p++;
			for (; *p >= '0' && *p <= '9'; p++) {
				unsigned int digit = (unsigned int)(*p - '0');

				if (n > (~0ULL / 1024 - digit) / 10)
					return -ERANGE;
				n = n * 10 + digit;
				digits = true;
			}
			if (!digits || strncmp(p, " kB", 3))
				return -EINVAL;
			*bytes = n * 1024;
			return 0;
		}
		line = strchrnul(line, '\n');
		if (*line)
			line++;
	}
	return -ENODATA;
}

int ksm_status_rss(const char *text, unsigned long long *bytes)
{
	return kb_line(text, "VmRSS", bytes);
}

int ksm_smaps_rollup_pss(const char *text, unsigned long long *bytes)
{
	return kb_line(text, "Pss", bytes);
}

void ksm_areas_init(struct ksm_areas *a)
{
	memset(a, 0, sizeof(*a));
}

void ksm_areas_free(struct ksm_areas *a)
{
	free(a->v);
	ksm_areas_init(a);
}

/* "7f00-7f80 rw-p 00000000 00:00 0   [heap]": the start of an area. */
static bool area_header(const char *line, struct ksm_area *ar)
{
	unsigned long long start, end;
	char perms[5];
	int name = 0;

	if (sscanf(line, "%llx-%llx %4s %*s %*s %*s %n", &start, &end, perms,
		   &name) < 3 || !name || end < start)
		return false;
	memset(ar, 0, sizeof(*ar));
	ar->start = start;
	ar->end = end;
	memcpy(ar->perms, perms, sizeof(perms));
	snprintf(ar->name, sizeof(ar->name), "%s", line + name);
	return true;
}

/* "Rss:   1234 kB" */
static bool kb_field(const char *line, const char *name,
		     unsigned long long *kb)
{
	size_t len = strlen(name);

	return !strncmp(line, name, len) &&
	       sscanf(line + len, " %llu kB", kb) == 1;
}

/* Is "mg" one of the two-letter flags of a "VmFlags:" line? */
static bool mergeable_flags(const char *flags)
{
	for (const char *p = flags; (p = strstr(p, "mg")); p += 2)
		if ((p == flags || p[-1] == ' ') && (!p[2] || p[2] == ' '))
			return true;
	return false;
}

static int area_done(struct ksm_areas *a)
{
	const struct ksm_area *ar = &a->cur;

	a->mergeable++;
	a->size_kb += (ar->end - ar->start) / 1024;
	a->rss_kb += ar->rss_kb;
	a->ksm_kb += ar->ksm_kb;
	if (a->n == KSM_AREAS_MAX)
		return 0;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		struct ksm_area *v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = *ar;
	return 0;
}

int ksm_areas_line(struct ksm_areas *a, const char *line)
{
	struct ksm_area *ar = &a->cur;

	if (area_header(line, ar)) {
		a->total++;
		a->in_area = true;
		return 0;
	}
	if (!a->in_area)
		return 0;
	if (kb_field(line, "Rss:", &ar->rss_kb))
		return 0;
	if (kb_field(line, "KSM:", &ar->ksm_kb)) {
		ar->has_ksm = a->has_ksm = true;
		return 0;
	}
	if (strncmp(line, "VmFlags:", 8))
		return 0;
	a->in_area = false;
	return mergeable_flags(line + 8) ? area_done(a) : 0;
}

/* A numeric field of stat at p: its value, and where it ends. */
static int stat_number(const char *p, unsigned long long *v, const char **end)
{
	char *e;

	errno = 0;
	*v = strtoull(p, &e, 10);
	if (errno || e == p || (*e && *e != ' ' && *e != '\n'))
		return -EINVAL;
	*end = e;
	return 0;
}

int ksm_task_stat_parse(const char *text, struct ksm_task_stat *st)
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')');
	const char *p;
	size_t len;

	memset(st, 0, sizeof(*st));
	if (!open || !close || close < open)
		return -EINVAL;
	len = (size_t)(close - open - 1);
	if (len >= sizeof(st->comm))
		len = sizeof(st->comm) - 1;
	memcpy(st->comm, open + 1, len);
	st->comm[len] = '\0';
	/* field 3 (state) follows ") "; count on to 9 (flags), 14, 15 */
	p = close + 1;
	for (int field = 3; field <= 15; field++) {
		unsigned long long v;

		while (*p == ' ')
			p++;
		if (!*p || *p == '\n') {
			/* the flags are needed, the times are a bonus */
			if (field <= 9)
				return -EINVAL;
			st->utime = 0;
			return 0;
		}
		if (field != 9 && field != 14 && field != 15) {
			p += strcspn(p, " ");
			continue;
		}
		if (stat_number(p, &v, &p))
			return -EINVAL;
		if (field == 9)
			st->flags = (unsigned long)v;
		else if (field == 14)
			st->utime = v;
		else
			st->stime = v;
	}
	st->have_times = true;
	return 0;
}
