// SPDX-License-Identifier: GPL-2.0-or-later
#include "strpool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define STRPOOL_FIRST 4096

int ksm_strpool_add(struct ksm_strpool *p, const char *s, size_t *off)
{
	size_t len = strlen(s);

	if (p->len + len + 1 > p->cap) {
		size_t cap = p->cap ? p->cap : STRPOOL_FIRST;
		char *buf;

		while (p->len + len + 1 > cap)
			cap *= 2;
		buf = realloc(p->buf, cap);
		if (!buf)
			return -ENOMEM;
		p->buf = buf;
		p->cap = cap;
	}
	memcpy(p->buf + p->len, s, len + 1);
	*off = p->len;
	p->len += len + 1;
	return 0;
}

void ksm_strpool_free(struct ksm_strpool *p)
{
	free(p->buf);
	p->buf = NULL;
	p->len = p->cap = 0;
}
