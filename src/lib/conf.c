// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf.h"

#include <stdbool.h>
#include <string.h>

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Parse one line (without its '\n') into l; sets l->error if it is bad. */
static void parse_line(const char *p, size_t len, struct ksm_conf_line *l)
{
	const char *end = p + len, *eq, *v, *vend;
	size_t n;

	while (p < end && blank(*p))
		p++;
	eq = memchr(p, '=', (size_t)(end - p));
	for (n = 0; p + n < end && name_char(p[n]); n++)
		;
	if (!eq || n == 0) {
		l->error = "not a 'name = value' line";
		return;
	}
	if (n >= sizeof(l->name)) {
		l->error = "the name is too long";
		return;
	}
	memcpy(l->name, p, n);
	l->name[n] = '\0';
	for (p += n; p < eq && blank(*p); p++)
		;
	if (p != eq) {
		l->error = "not a 'name = value' line (a name is letters, digits and '_')";
		return;
	}
	for (v = eq + 1; v < end && blank(*v); v++)
		;
	if (v < end && *v == '"') {
		const char *close = memchr(v + 1, '"', (size_t)(end - v - 1));
		const char *rest;

		if (!close) {
			l->error = "the value's closing quote is missing";
			return;
		}
		for (rest = close + 1; rest < end && blank(*rest); rest++)
			;
		if (rest < end && *rest != '#') {
			l->error = "text after the quoted value";
			return;
		}
		v++;
		vend = close;
	} else {
		/* '#' after a blank starts a comment */
		for (vend = v; vend < end; vend++)
			if (*vend == '#' && vend > v && blank(vend[-1]))
				break;
		while (vend > v && blank(vend[-1]))
			vend--;
		if (v < end && *v == '#')
			vend = v;
	}
	if (vend == v) {
		l->error = "no value after '='";
		return;
	}
	if ((size_t)(vend - v) >= sizeof(l->value)) {
		l->error = "the value is too long";
		return;
	}
	memcpy(l->value, v, (size_t)(vend - v));
	l->value[vend - v] = '\0';
}

int ksm_conf_parse(const char *text, ksm_conf_fn fn, void *data)
{
	const char *p = text;
	int line = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		struct ksm_conf_line l = { .line = ++line };
		const char *q = p;
		int err;

		while (q < p + len && blank(*q))
			q++;
		if (q < p + len && *q != '#') {
			parse_line(p, len, &l);
			err = fn(&l, data);
			if (err)
				return err;
		}
		p += len + (nl ? 1 : 0);
	}
	return 0;
}
