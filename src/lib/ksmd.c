// SPDX-License-Identifier: GPL-2.0-or-later
#include "ksmd.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "proclist.h"

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

pid_t ksm_find_kthread(const struct ksm_root *root, const char *name)
{
	struct ksm_proc_walk w;
	struct ksm_pid_dir d;
	pid_t found = -ENOENT;
	int err;

	err = ksm_proc_walk_open(root, &w);
	if (err)
		return err;
	while (ksm_proc_walk_next(&w, &d)) {
		struct ksm_task_stat st;
		char path[64], text[1024];

		snprintf(path, sizeof(path), "proc/%d/stat", d.pid);
		/* tasks vanish between readdir and open: skip them */
		if (ksm_root_read(root, path, text, sizeof(text)) ||
		    ksm_task_stat_parse(text, &st))
			continue;
		if (!strcmp(st.comm, name) && (st.flags & KSM_PF_KTHREAD)) {
			found = d.pid;
			break;
		}
	}
	ksm_proc_walk_close(&w);
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
	if (!err && !st.have_times)
		err = -EINVAL;
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
