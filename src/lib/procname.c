// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Naming processes: the cgroup v2 path, the systemd unit it belongs to,
 * and the VM a qemu process runs.  All text here is controlled by other
 * users (cgroup names can be created by delegated users, a process sets
 * its own command line): the functions only cut and decode, and the
 * output layer escapes.
 */
#include "procname.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void copy(char *out, size_t size, const char *s, size_t len)
{
	if (!size)
		return;
	if (len >= size)
		len = size - 1;
	memcpy(out, s, len);
	out[len] = '\0';
}

static bool line_start(const char *text, const char *p)
{
	return p == text || p[-1] == '\n';
}

/* Where a cgroup entry starting at p ends: at a "\nN:" that opens the
 * next entry, else at the end of the text. */
static const char *entry_end(const char *p)
{
	for (const char *nl = strchr(p, '\n'); nl; nl = strchr(nl + 1, '\n')) {
		size_t digits = strspn(nl + 1, "0123456789");

		if (digits && nl[1 + digits] == ':')
			return nl;
	}
	return p + strlen(p);
}

void ksm_cgroup_path(const char *text, char *out, size_t size)
{
	const char *p, *end;

	copy(out, size, "", 0);
	for (p = strstr(text, "0::"); p; p = strstr(p + 1, "0::"))
		if (line_start(text, p))
			break;
	if (p) {
		p += 3;
		end = entry_end(p);
		/* the kernel ends every entry with one '\n' */
		if (end > p && end[-1] == '\n')
			end--;
		copy(out, size, p, (size_t)(end - p));
		return;
	}
	/* cgroup v1 only: systemd's own hierarchy names the units */
	p = strstr(text, ":name=systemd:");
	if (p) {
		p += strlen(":name=systemd:");
		copy(out, size, p, strcspn(p, "\n"));
	}
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t slen = strlen(suffix);

	return len > slen && !memcmp(s + len - slen, suffix, slen);
}

void ksm_cgroup_unit(const char *path, char *out, size_t size)
{
	const char *p = path, *unit = NULL;
	size_t unit_len = 0;

	while (*p) {
		size_t len = strcspn(p, "/");

		if (ends_with(p, len, ".service") || ends_with(p, len, ".scope")) {
			unit = p;
			unit_len = len;
		}
		p += len;
		if (*p == '/')
			p++;
	}
	copy(out, size, unit ? unit : "", unit_len);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void ksm_unit_unescape(char *s)
{
	char *w = s;

	for (const char *r = s; *r; ) {
		int hi, lo;

		if (r[0] == '\\' && r[1] == 'x' && (hi = hexval(r[2])) >= 0 &&
		    (lo = hexval(r[3])) >= 0 && (hi || lo)) {
			*w++ = (char)(hi * 16 + lo);
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/*
 * libvirt names the scope "machine-qemu\x2dID\x2dNAME.scope" (older
 * versions "machine-qemu\x2dNAME.scope"), escaped as systemd unit names.
 */
static bool machine_scope_vm(const char *comp, size_t len, char *out,
			     size_t size)
{
	static const char prefix[] = "machine-qemu\\x2d";
	char name[256];
	const char *p;
	size_t digits;

	if (len <= strlen(prefix) || !ends_with(comp, len, ".scope") ||
	    strncmp(comp, prefix, strlen(prefix)))
		return false;
	copy(name, sizeof(name), comp + strlen(prefix),
	     len - strlen(prefix) - strlen(".scope"));
	ksm_unit_unescape(name);
	p = name;
	digits = strspn(p, "0123456789");
	if (digits && p[digits] == '-')
		p += digits + 1;
	if (!*p)
		return false;
	copy(out, size, p, strlen(p));
	return true;
}

void ksm_cgroup_vm(const char *path, char *out, size_t size)
{
	const char *p = path;

	copy(out, size, "", 0);
	while (*p) {
		size_t len = strcspn(p, "/");

		if (machine_scope_vm(p, len, out, size))
			return;
		p += len;
		if (*p == '/')
			p++;
	}
}

/*
 * Copy one element of a qemu option list ("a,,b,c": ",," is a comma) up
 * to the next single comma; returns where the next element starts.
 */
static const char *opt_element(const char *p, const char *end, char *out,
			       size_t size)
{
	size_t n = 0;

	while (p < end && *p) {
		if (*p == ',') {
			if (p + 1 < end && p[1] == ',') {
				p++;
			} else {
				p++;
				break;
			}
		}
		if (n + 1 < size)
			out[n++] = *p;
		p++;
	}
	if (size)
		out[n] = '\0';
	return p;
}

static void name_option_vm(const char *value, const char *end, char *out,
			   size_t size)
{
	bool first = true;
	char el[256];

	while (value < end && *value) {
		value = opt_element(value, end, el, sizeof(el));
		if (!strncmp(el, "guest=", 6)) {
			copy(out, size, el + 6, strlen(el + 6));
			return;
		}
		/* "-name NAME,process=..." : the first element is implied guest= */
		if (first && !strchr(el, '=')) {
			copy(out, size, el, strlen(el));
			return;
		}
		first = false;
	}
}

void ksm_cmdline_vm(const char *cmdline, size_t len, char *out, size_t size)
{
	const char *p = cmdline, *end = cmdline + len;

	copy(out, size, "", 0);
	while (p < end) {
		size_t alen = strnlen(p, (size_t)(end - p));
		const char *next = p + alen + 1;

		if (((alen == 5 && !memcmp(p, "-name", 5)) ||
		     (alen == 6 && !memcmp(p, "--name", 6))) && next < end) {
			name_option_vm(next, end, out, size);
			return;
		}
		p = next;
	}
}
