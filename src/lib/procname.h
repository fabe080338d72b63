/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Naming a process from its files: the cgroup v2 path, the systemd unit
 * it belongs to, and the VM a qemu process runs.  Pure: text in, names
 * out.  Every text here is controlled by other users: the functions only
 * cut and decode, and the output layer escapes.
 */
#ifndef KSMCTL_PROCNAME_H
#define KSMCTL_PROCNAME_H

#include <stddef.h>

/*
 * The cgroup v2 path from the text of /proc/PID/cgroup ("0::/a/b"); on a
 * v1-only system the name=systemd hierarchy.  The path runs to the end
 * of the entry, so a hostile cgroup name holding '\n' is kept whole on a
 * v2 system (the 0:: entry comes last).  Writes "" when there is none.
 */
void ksm_cgroup_path(const char *text, char *out, size_t size);

/*
 * The systemd unit a cgroup path belongs to: the innermost component
 * ending in .service or .scope.  "/system.slice/foo.service" ->
 * "foo.service"; "/user.slice/user-1000.slice/user@1000.service/
 * app.slice/x.scope" -> "x.scope"; docker-ID.scope, libpod-ID.scope and
 * cri-containerd-ID.scope are units like any other.  "" when none.
 */
void ksm_cgroup_unit(const char *path, char *out, size_t size);

/*
 * The libvirt guest name of a machine scope:
 * "machine-qemu\x2d3\x2dguest.scope" -> "guest" (systemd unit escapes
 * are decoded).  "" when the path is not a qemu machine scope.
 */
void ksm_cgroup_vm(const char *path, char *out, size_t size);

/*
 * The guest name from a qemu command line (NUL-separated arguments, len
 * bytes): "-name guest=NAME,debug-threads=on" or "-name NAME[,...]"
 * (",," is an escaped comma).  "" when there is none.
 */
void ksm_cmdline_vm(const char *cmdline, size_t len, char *out, size_t size);

/* Decode systemd unit-name escapes ("\x2d" -> '-') in place. */
void ksm_unit_unescape(char *s);

#endif
