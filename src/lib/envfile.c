// SPDX-License-Identifier: GPL-2.0-or-later
#include "envfile.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE 4096

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Parse the value as sh would: quotes and backslashes, stop at " #". */
static int parse_value(const char *p, char *out, size_t size)
{
	const char *start = p;
	size_t n = 0;
	bool blank_before;

	p = skip_blanks(p);
	/* "K=#x" assigns "#x" in sh: '#' opens a comment only after a blank */
	blank_before = p != start;
	while (*p) {
		char c = *p;

		if (c == '#' && blank_before)
			break;
		if (c == '\'') {
			const char *end = strchr(p + 1, '\'');

			if (!end)
				return -EINVAL;
			for (p++; p < end && n + 1 < size; p++)
				out[n++] = *p;
			p = end + 1;
			blank_before = false;
			continue;
		}
		if (c == '"') {
			for (p++; *p && *p != '"'; p++) {
				/* p[1] first: strchr() finds the NUL too */
				if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
					p++;
				if (n + 1 < size)
					out[n++] = *p;
			}
			if (*p != '"')
				return -EINVAL;
			p++;
			blank_before = false;
			continue;
		}
		if (c == '\\' && p[1]) {
			p++;
			c = *p;
		} else if (c == ' ' || c == '\t') {
			/* "KEY=a b" runs b as a command in sh: a value is one word */
			const char *rest = skip_blanks(p);

			if (*rest && *rest != '#')
				return -EINVAL;
			break;
		}
		if (n + 1 < size)
			out[n++] = c;
		blank_before = false;
		p++;
	}
	out[n] = '\0';
	return 0;
}

static int parse_line(const char *line, char *key, size_t ksize, char *value,
		      size_t vsize)
{
	const char *p = skip_blanks(line);
	size_t klen = 0;

	if (!strncmp(p, "export", 6) && (p[6] == ' ' || p[6] == '\t'))
		p = skip_blanks(p + 6);
	if (!isalpha((unsigned char)*p) && *p != '_')
		return -EINVAL;
	while (isalnum((unsigned char)p[klen]) || p[klen] == '_')
		klen++;
	if (klen >= ksize)
		return -EINVAL;
	memcpy(key, p, klen);
	key[klen] = '\0';
	p = skip_blanks(p + klen);	/* tolerate "KEY = value" */
	if (*p != '=')
		return -EINVAL;
	return parse_value(p + 1, value, vsize);
}

int ksm_envfile_parse(const char *text, ksm_env_fn fn, void *data,
		      int *bad_line)
{
	const char *p = text;
	int lineno = 0;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char line[MAX_LINE], key[128], value[MAX_LINE];
		const char *q;
		int err;

		lineno++;
		if (len >= sizeof(line)) {
			*bad_line = lineno;
			return -EINVAL;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		if (len && line[len - 1] == '\r')
			line[len - 1] = '\0';
		p += len + (eol ? 1 : 0);
		q = skip_blanks(line);
		if (!*q || *q == '#')
			continue;
		err = parse_line(line, key, sizeof(key), value, sizeof(value));
		if (err) {
			*bad_line = lineno;
			return err;
		}
		err = fn(key, value, lineno, data);
		if (err)
			return err;
	}
	return 0;
}

struct lookup {
	const char *key;
	char *value;
	size_t size;
	bool found;
};

static int match(const char *key, const char *value, int line, void *data)
{
	struct lookup *l = data;

	(void)line;
	if (!strcmp(key, l->key)) {
		/* the last assignment wins, as in sh */
		snprintf(l->value, l->size, "%s", value);
		l->found = true;
	}
	return 0;
}

int ksm_envfile_get(const char *text, const char *key, char *value,
		    size_t size, int *bad_line)
{
	struct lookup l = { key, value, size, false };
	int err = ksm_envfile_parse(text, match, &l, bad_line);

	if (err)
		return err;
	return l.found ? 0 : -ENOENT;
}
