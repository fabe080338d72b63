/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Text that other users control (process names, command lines, cgroup
 * paths, values typed at us, what a kernel file held) is escaped before
 * it reaches a terminal, stderr, JSON or the export, so "\033[2J" in a
 * comm cannot clear the administrator's screen, a 0xff byte cannot make
 * JSON invalid UTF-8, and two names never read the same.
 */
#ifndef KSMCTL_ESCAPE_H
#define KSMCTL_ESCAPE_H

#include <stddef.h>

/*
 * The one escape.  Copy src to dst with control characters, DEL, C1
 * controls and bytes that are not valid UTF-8 written as C escapes (\n,
 * \t, \r, \x1b, \xff); printable ASCII and valid UTF-8 pass.  A
 * backslash is doubled only where what follows it could read as an
 * escape (\\, \n, \t, \r, or \x and two lowercase hex digits of an
 * escaped byte, or before an escape), so a systemd unit reads as
 * systemctl prints it ("machine-qemu\x2d1.scope").  It is injective: the
 * output decodes to exactly src (\\ to \, \n \t \r, \xHH for a byte
 * below 0x20 or from 0x7f, any other backslash as itself), and holds
 * only printable ASCII and valid UTF-8.
 *
 * Always NUL-terminates; truncates between two escapes or characters.
 * Returns the length written.
 */
size_t ksm_escape(const char *src, char *dst, size_t size);

/* The length ksm_escape() writes for src with room enough (no NUL). */
size_t ksm_escape_len(const char *src);

/* ksm_escape() into a new string (free() it); NULL when out of memory. */
char *ksm_escape_dup(const char *src);

/*
 * The guard of a whole message whose parts were escaped: control
 * characters, DEL, C1 and invalid bytes as ksm_escape() writes them, but
 * backslashes as they are, so it leaves ksm_escape()'s output unchanged.
 * No control byte reaches stderr or a log even from an unescaped part.
 */
size_t ksm_escape_controls(const char *src, char *dst, size_t size);

#endif
