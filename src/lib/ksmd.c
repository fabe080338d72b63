// SPDX-License-Identifier: GPL-2.0-or-later
#include "ksmd.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"

int ksm_task_stat_parse(const char *text, struct ksm_task_stat *st)
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')');
	const char *p;
	size_t len;
	int field;

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
	for (field = 3; field <= 15; field++) {
		unsigned long long v;
		char *end;

		while (*p == ' ')
			p++;
		if (!*p)
			return -EINVAL;
		if (field == 9 || field == 14 || field == 15) {
			errno = 0;
			v = strtoull(p, &end, 10);
			if (errno || end == p || (*end && *end != ' ' && *end != '\n'))
				return -EINVAL;
			if (field == 9)
				st->flags = (unsigned long)v;
			else if (field == 14)
				st->utime = v;
			else
				st->stime = v;
			p = end;
			continue;
		}
		p += strcspn(p, " ");
	}
	return 0;
}

int ksm_schedstat_parse(const char *text, unsigned long long *ns)
{
	char *end;

	if (!isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	*ns = strtoull(text, &end, 10);
	if (errno || (*end && *end != ' ' && *end != '\n'))
		return -EINVAL;
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

pid_t ksm_find_kthread(const struct ksm_root *root, const char *name)
{
	DIR *dir = ksm_root_opendir(root, "proc");
	struct dirent *de;
	pid_t found = -ENOENT;

	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		struct ksm_task_stat st;
		char path[64], text[1024];

		if (!all_digits(de->d_name) || strlen(de->d_name) > 20)
			continue;
		snprintf(path, sizeof(path), "proc/%.20s/stat", de->d_name);
		/* tasks vanish between readdir and open: skip them */
		if (ksm_root_read(root, path, text, sizeof(text)) ||
		    ksm_task_stat_parse(text, &st))
			continue;
		if (!strcmp(st.comm, name) && (st.flags & KSM_PF_KTHREAD)) {
			found = (pid_t)atol(de->d_name);
			break;
		}
	}
	closedir(dir);
	return found;
}

int ksm_task_cpu_ns(const struct ksm_root *root, pid_t pid,
		    unsigned long long *ns, bool *precise)
{
	struct ksm_task_stat st;
	char path[64], text[1024];
	long hz;
	int err;

	snprintf(path, sizeof(path), "proc/%ld/schedstat", (long)pid);
	if (!ksm_root_read(root, path, text, sizeof(text)) &&
	    !ksm_schedstat_parse(text, ns)) {
		*precise = true;
		return 0;
	}
	snprintf(path, sizeof(path), "proc/%ld/stat", (long)pid);
	err = ksm_root_read(root, path, text, sizeof(text));
	if (!err)
		err = ksm_task_stat_parse(text, &st);
	if (err)
		return err;
	hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0)
		hz = 100;
	*ns = (st.utime + st.stime) * (1000000000ULL / (unsigned long long)hz);
	*precise = false;
	return 0;
}

unsigned long long ksm_read_cow_ksm(const struct ksm_root *root)
{
	char text[32768];	/* a few KiB today; room to grow */
	unsigned long long v;
	const char *line;
	char num[32];
	size_t len;

	if (ksm_root_read(root, "proc/vmstat", text, sizeof(text)))
		return 0;
	line = strstr(text, "\ncow_ksm ");
	if (!line)
		return 0;
	line += strlen("\ncow_ksm ");
	len = strcspn(line, "\n");
	if (len >= sizeof(num))
		return 0;
	memcpy(num, line, len);
	num[len] = '\0';
	return ksm_parse_ull(num, &v) ? 0 : v;
}
