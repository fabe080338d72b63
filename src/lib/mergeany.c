// SPDX-License-Identifier: GPL-2.0-or-later
#include "mergeany.h"

#include <errno.h>
#include <stdio.h>

#include "knobs.h"

enum ksm_exec_verdict ksm_exec_verdict(unsigned int version, int prctl_err)
{
	if (prctl_err == -EINVAL)
		return KSM_EXEC_UNAVAILABLE;
	if (prctl_err)
		return KSM_EXEC_FAILED;
	if (version && version < KSM_VERSION(6, 10, 0))
		return KSM_EXEC_OLD;
	return KSM_EXEC_OK;
}

int ksm_read_merge_any(const struct ksm_root *root, pid_t pid,
		       enum ksm_tri *out)
{
	struct ksm_procstat st;
	char path[64], text[1024];
	int err;

	snprintf(path, sizeof(path), "proc/%ld", (long)pid);
	if (ksm_root_exists(root, path))
		return -ESRCH;
	snprintf(path, sizeof(path), "proc/%ld/ksm_stat", (long)pid);
	err = ksm_root_read(root, path, text, sizeof(text));
	if (err == -ENOENT)
		return -ENODATA;	/* no ksm_stat: before 6.1 */
	if (!err)
		err = ksm_procstat_parse(text, &st);
	if (err)
		return err;
	if (!(st.have & KSM_PF_BIT(KSM_PF_MERGE_ANY)))
		return -ENODATA;
	*out = st.merge_any;
	return 0;
}
