/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Text that other users control (process names, command lines, cgroup
 * paths, values typed at us) is escaped before it reaches a terminal, so
 * "\033[2J" in a comm cannot clear the administrator's screen.
 */
#ifndef KSMCTL_ESCAPE_H
#define KSMCTL_ESCAPE_H

#include <stddef.h>

/*
 * Copy src to dst with control characters, DEL and backslash written as
 * C escapes (\n, \t, \\, \x1b).  Invalid UTF-8 bytes are escaped too;
 * valid multibyte sequences pass.  Always NUL-terminates; truncates on a
 * character boundary.  Returns the length written.
 */
size_t ksm_escape(const char *src, char *dst, size_t size);

/*
 * The same, but a backslash stays as it is, so a systemd unit reads as
 * systemctl prints it ("machine-qemu\x2d1\x2dweb.scope") and can be
 * pasted back.  Control characters and invalid bytes are still escaped.
 */
size_t ksm_escape_name(const char *src, char *dst, size_t size);

#endif
