/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Strings kept end to end in one growing buffer and named by their
 * offset, so that tables of them (a scan's names, a frame's rows, a
 * detail's lines) are one allocation however many there are, and stay
 * valid when the buffer moves.
 */
#ifndef KSMCTL_STRPOOL_H
#define KSMCTL_STRPOOL_H

#include <stddef.h>

struct ksm_strpool {
	char *buf;
	size_t len, cap;
};

/*
 * Append s (with its NUL) and set *off to where it starts.  0, or
 * -ENOMEM with the pool as it was.
 */
int ksm_strpool_add(struct ksm_strpool *p, const char *s, size_t *off);

static inline const char *ksm_strpool_at(const struct ksm_strpool *p,
					 size_t off)
{
	return p->buf + off;
}

/* Free the buffer; the pool is empty and usable again. */
void ksm_strpool_free(struct ksm_strpool *p);

#endif
