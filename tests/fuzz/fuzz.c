// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer targets for every parser of text ksmctl reads: text other
 * users control (process names, cgroup paths, command lines), files
 * administrators write (ksmtuned.conf, ksmctl.conf) and what the kernel
 * shows.  ksmctl runs as root: no input may crash it, hang it or make it
 * misread a value.
 *
 * Built once per line of targets.def with -DFUZZ_TARGET=NAME (see the
 * Makefile's fuzz rules); each target runs its parser on the input and
 * checks the properties of what comes out, aborting on a violation so
 * libFuzzer keeps the input.  The text handed to parsers is a heap copy
 * of exactly the input plus its NUL, so ASan sees any read past the end.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/conf.h"
#include "lib/committed.h"
#include "lib/envfile.h"
#include "lib/escape.h"
#include "lib/governor.h"
#include "lib/knobs.h"
#include "lib/ksmd.h"
#include "lib/meminfo.h"
#include "lib/procs.h"
#include "lib/tuneconf.h"
#include "../unit/kernel_ref.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2),
							     noreturn));

static void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz: property violated: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* A NUL-terminated string that fits size bytes, and nothing after. */
static void check_cstr(const char *what, const char *s, size_t size)
{
	if (!size)
		return;
	if (strnlen(s, size) == size)
		fuzz_fail("%s: not terminated within %zu bytes", what, size);
}

/* A message for the user: one line. */
static void check_line(const char *what, const char *s)
{
	if (!s[0] || strchr(s, '\n'))
		fuzz_fail("%s: not one line of text: '%s'", what, s);
}

/* ---- knobs ---------------------------------------------------------- */

/*
 * What a user types for a knob: the kernel-exact property of
 * kernel_ref.h for every mainline knob, and for every writable knob on
 * every kernel kind (UKSM too) that an accepted value's canonical text is
 * accepted again as the same value.
 */
static void fuzz_knob(const char *text, const uint8_t *data, size_t size)
{
	static const unsigned int kinds[] = {
		KNOB_IN_KSM, KNOB_IN_UKSM, KNOB_IN_KSM | KNOB_IN_UKSM,
	};
	char why[256];

	(void)data;
	(void)size;
	for (int id = 0; id < KSM_KNOB_COUNT; id++) {
		const struct ksm_knob *k = &ksm_knobs[id];

		if (kref_covers(id) && !kref_check(id, text, why, sizeof(why)))
			fuzz_fail("%s: %s", k->name, why);
		for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
			struct ksm_value v, again;
			struct ksm_refusal r = { "" };
			char canon[128], canon2[128];
			int err;

			err = ksm_knob_parse_input_on(k, kinds[i], text, &v, canon,
						      sizeof(canon), &r);
			if (err) {
				check_line(k->name, r.why);
				continue;
			}
			check_cstr(k->name, canon, sizeof(canon));
			if (ksm_knob_parse_input_on(k, kinds[i], canon, &again,
						    canon2, sizeof(canon2), &r) ||
			    !ksm_value_equal(k, &v, &again) || strcmp(canon, canon2))
				fuzz_fail("%s (dirs %u): canonical '%s' is not accepted back as itself",
					  k->name, kinds[i], canon);
		}
	}
}

/* What reading a knob file gives, for every knob; the release string. */
static void fuzz_knob_shown(const char *text, const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
	for (int id = 0; id < KSM_KNOB_COUNT; id++) {
		const struct ksm_knob *k = &ksm_knobs[id];
		struct ksm_value v, again;
		char buf[160], small[8];

		if (ksm_knob_parse_shown(k, text, &v))
			continue;
		ksm_knob_format(k, &v, buf, sizeof(buf));
		ksm_knob_format(k, &v, small, sizeof(small));
		check_cstr(k->name, buf, sizeof(buf));
		check_cstr(k->name, small, sizeof(small));
		/* a value read can be formatted and read again unchanged */
		if (k->kind != KNOB_MODE && strlen(buf) < sizeof(buf) - 1 &&
		    (ksm_knob_parse_shown(k, buf, &again) ||
		     !ksm_value_equal(k, &v, &again)))
			fuzz_fail("%s: shown value formatted as '%s' does not read back",
				  k->name, buf);
	}
	ksm_version_parse(text);
}

/* ---- /proc ---------------------------------------------------------- */

static void fuzz_procstat(const char *text, const uint8_t *data, size_t size)
{
	struct ksm_procstat st;
	int err;

	(void)data;
	(void)size;
	err = ksm_procstat_parse(text, &st);
	if (err && err != -EINVAL && err != -ENODATA)
		fuzz_fail("ksm_procstat_parse: %d", err);
	if (!err && !st.have)
		fuzz_fail("ksm_procstat_parse: 0 without any field");
	if (!err) {
		ksm_procstat_finish(&st, 4096);
		ksm_procstat_verdict(&st, 4096);
		ksm_procstat_verdict(&st, 65536);
		ksm_procstat_involved(&st);
	}
	memset(&st, 0, sizeof(st));
	ksm_procstat_parse_merging(text, &st);
}

static void fuzz_taskstat(const char *text, const uint8_t *data, size_t size)
{
	struct ksm_task_stat st;
	unsigned long long ns;

	(void)data;
	(void)size;
	if (!ksm_task_stat_parse(text, &st)) {
		check_cstr("task comm", st.comm, sizeof(st.comm));
		if (!st.have_times && (st.utime || st.stime))
			fuzz_fail("ksm_task_stat_parse: times without have_times");
	}
	ksm_schedstat_parse(text, &ns);
}

/* Text a process controls: its cgroup's name, its command line. */
static void fuzz_procname(const char *text, const uint8_t *data, size_t size)
{
	static const size_t sizes[] = { 1, 2, 9, 64, 4096 };
	char path[4096], out[4096], *copy;
	unsigned int uid;

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i];

		ksm_cgroup_path(text, out, n);
		check_cstr("cgroup path", out, n);
		ksm_cgroup_unit(text, out, n);
		check_cstr("cgroup unit", out, n);
		ksm_cgroup_vm(text, out, n);
		check_cstr("cgroup vm", out, n);
		ksm_cmdline_vm((const char *)data, size, out, n);
		check_cstr("cmdline vm", out, n);
	}
	ksm_cgroup_path(text, path, sizeof(path));
	ksm_cgroup_unit(path, out, sizeof(out));
	ksm_cgroup_vm(path, out, sizeof(out));
	copy = strdup(text);
	if (copy) {
		size_t before = strlen(copy);

		ksm_unit_unescape(copy);
		if (strlen(copy) > before)
			fuzz_fail("ksm_unit_unescape made the text longer");
		free(copy);
	}
	ksm_status_euid(text, &uid);
}

static void fuzz_procmem(const char *text, const uint8_t *data, size_t size)
{
	unsigned long long bytes;

	(void)data;
	(void)size;
	ksm_smaps_rollup_pss(text, &bytes);
	ksm_status_rss(text, &bytes);
}

/*
 * smaps, line by line as ksm_proc_areas() feeds it: the areas kept are
 * at most KSM_AREAS_MAX and no more than were counted, each a range
 * that does not run backwards, with terminated names and permissions.
 */
static void fuzz_smaps(const char *text, const uint8_t *data, size_t size)
{
	struct ksm_areas a;
	char *copy = strdup(text), *line, *save = NULL;

	(void)data;
	(void)size;
	if (!copy)
		return;
	ksm_areas_init(&a);
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (ksm_areas_line(&a, line))
			break;
	if (a.n > KSM_AREAS_MAX || a.n > a.mergeable || a.mergeable > a.total)
		fuzz_fail("smaps: %zu kept, %zu mergeable, %zu areas", a.n,
			  a.mergeable, a.total);
	for (size_t i = 0; i < a.n; i++) {
		const struct ksm_area *ar = &a.v[i];

		if (ar->end < ar->start ||
		    !memchr(ar->name, '\0', sizeof(ar->name)) ||
		    !memchr(ar->perms, '\0', sizeof(ar->perms)))
			fuzz_fail("smaps: area %zu malformed", i);
	}
	ksm_areas_free(&a);
	free(copy);
}

/* ---- configuration files -------------------------------------------- */

/* Quote for sh: 'it'\''s' */
static void sh_quote(const char *s, char *out, size_t size)
{
	size_t n = 0;

	out[n++] = '\'';
	for (; *s && n + 6 < size; s++) {
		if (*s == '\'') {
			memcpy(out + n, "'\\''", 4);
			n += 4;
		} else {
			out[n++] = *s;
		}
	}
	out[n++] = '\'';
	out[n] = '\0';
}

/*
 * ksmtuned.conf: a refusal names a line in one message; an accepted
 * configuration is consistent and, written out again key by key, parses
 * to the same configuration.
 */
static void fuzz_tuneconf(const char *text, const uint8_t *data, size_t size)
{
	struct ksm_tune_config c, c2, untouched;
	struct ksm_tune_error err;
	static char again[16384];
	size_t off = 0;

	(void)data;
	(void)size;
	ksm_tune_config_defaults(&c);
	untouched = c;
	if (ksm_tune_config_parse(text, &c, &err)) {
		check_line("ksmtuned.conf refusal", err.msg);
		if (err.line < 0)
			fuzz_fail("ksmtuned.conf refusal: line %d", err.line);
		if (memcmp(&c, &untouched, sizeof(c)))
			fuzz_fail("ksmtuned.conf: refused, but the configuration changed");
		return;
	}
	if (c.npages_min > c.npages_max)
		fuzz_fail("ksmtuned.conf: accepted NPAGES_MIN %llu > NPAGES_MAX %llu",
			  c.npages_min, c.npages_max);
	check_cstr("logfile", c.logfile, sizeof(c.logfile));
	check_cstr("pidfile", c.pidfile, sizeof(c.pidfile));
	check_cstr("regex", c.process_regex, sizeof(c.process_regex));
	for (int k = 0; k < TK_COUNT; k++) {
		char buf[64], q[2048];

		sh_quote(ksm_tune_key_value(&c, k, buf, sizeof(buf)), q, sizeof(q));
		off += (size_t)snprintf(again + off, sizeof(again) - off, "%s=%s\n",
					ksm_tune_key_name(k), q);
	}
	ksm_tune_config_defaults(&c2);
	if (ksm_tune_config_parse(again, &c2, &err))
		fuzz_fail("ksmtuned.conf: its own rendering is refused: line %d: %s",
			  err.line, err.msg);
	for (int k = 0; k < TK_COUNT; k++) {
		char b1[64], b2[64];
		const char *v1 = ksm_tune_key_value(&c, k, b1, sizeof(b1));
		const char *v2 = ksm_tune_key_value(&c2, k, b2, sizeof(b2));

		if (strcmp(v1, v2))
			fuzz_fail("ksmtuned.conf: %s '%s' reads back as '%s'",
				  ksm_tune_key_name(k), v1, v2);
	}
}

struct conf_seen {
	int last_line;
};

static int conf_line(const struct ksm_conf_line *l, void *data)
{
	struct conf_seen *seen = data;

	if (l->line <= seen->last_line)
		fuzz_fail("ksmctl.conf: line %d after line %d", l->line,
			  seen->last_line);
	seen->last_line = l->line;
	if (l->error) {
		check_line("ksmctl.conf error", l->error);
		return 0;
	}
	check_cstr("ksmctl.conf name", l->name, sizeof(l->name));
	check_cstr("ksmctl.conf value", l->value, sizeof(l->value));
	if (!l->name[0] || !l->value[0])
		fuzz_fail("ksmctl.conf: a setting with an empty name or value");
	if (strchr(l->value, '\n') || strchr(l->name, '\n'))
		fuzz_fail("ksmctl.conf: a newline inside a setting");
	return 0;
}

static void fuzz_conf(const char *text, const uint8_t *data, size_t size)
{
	struct conf_seen seen = { 0 };

	(void)data;
	(void)size;
	ksm_conf_parse(text, conf_line, &seen);
}

static int env_line(const char *key, const char *value, int line, void *data)
{
	int *last = data;

	if (line <= *last)
		fuzz_fail("envfile: line %d after line %d", line, *last);
	*last = line;
	if (!key[0] || strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") !=
	    strlen(key) || (key[0] >= '0' && key[0] <= '9'))
		fuzz_fail("envfile: key '%s' is not a shell name", key);
	(void)value;
	return 0;
}

static void fuzz_envfile(const char *text, const uint8_t *data, size_t size)
{
	static const size_t sizes[] = { 1, 2, 8, 4096 };
	int last = 0, bad = 0, err;
	char value[4096];

	(void)data;
	(void)size;
	err = ksm_envfile_parse(text, env_line, &last, &bad);
	if (err == -EINVAL && bad <= 0)
		fuzz_fail("envfile: refused without a line number");
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (!ksm_envfile_get(text, "KSM_NPAGES_MAX", value, sizes[i], &bad))
			check_cstr("envfile value", value, sizes[i]);
	}
}

static bool plain_word(const char *s)
{
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-~") ==
	       strlen(s);
}

static void fuzz_calibration(const char *text, const uint8_t *data, size_t size)
{
	struct ksm_gov_calibration c, c2;
	char buf[1024], buf2[1024];

	(void)data;
	(void)size;
	if (ksm_gov_calibration_parse(text, &c))
		return;
	if (!(c.cost_ns > 0) || !isfinite(c.cost_ns))
		fuzz_fail("calibration: accepted a cost of %g", c.cost_ns);
	check_cstr("method", c.method, sizeof(c.method));
	check_cstr("kernel", c.kernel, sizeof(c.kernel));
	ksm_gov_calibration_format(&c, buf, sizeof(buf));
	/*
	 * What ksmctl writes reads back the same: METHOD is a word of ours
	 * and KERNEL a release string, both written unquoted, so only for
	 * text sh would keep as one word.
	 */
	if (!plain_word(c.method) || !plain_word(c.kernel))
		return;
	if (!ksm_gov_calibration_parse(buf, &c2)) {
		ksm_gov_calibration_format(&c2, buf2, sizeof(buf2));
		if (strcmp(buf, buf2))
			fuzz_fail("calibration: written twice differently");
	}
}

/* ---- escaping ------------------------------------------------------- */

/* An independent UTF-8 check: the length of a valid sequence, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned int cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < (len == 2 ? 0x80u : len == 3 ? 0x800u : 0x10000u) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	/* C1 controls move the cursor too */
	if (cp >= 0x80 && cp <= 0x9f)
		return 0;
	return len;
}

/* Undo ksm_escape(); -1 when out is not something it writes. */
static long unescape(const char *in, char *out)
{
	long n = 0;

	while (*in) {
		if (*in != '\\') {
			out[n++] = *in++;
			continue;
		}
		switch (in[1]) {
		case 'n': out[n++] = '\n'; in += 2; break;
		case 't': out[n++] = '\t'; in += 2; break;
		case 'r': out[n++] = '\r'; in += 2; break;
		case '\\': out[n++] = '\\'; in += 2; break;
		case 'x': {
			unsigned int v;

			if (sscanf(in + 2, "%2x", &v) != 1 || !in[2] || !in[3])
				return -1;
			out[n++] = (char)v;
			in += 4;
			break;
		}
		default:
			return -1;
		}
	}
	out[n] = '\0';
	return n;
}

/*
 * Nothing a terminal acts on gets through (controls, DEL, C1, invalid
 * UTF-8), the output always ends within size, the full output decodes to
 * the input, and a short buffer holds a prefix cut between two pieces.
 */
static void fuzz_escape(const char *text, const uint8_t *data, size_t size)
{
	size_t len = strlen(text), full_size = 4 * len + 1;
	static const size_t sizes[] = { 1, 2, 3, 4, 5, 7, 48 };
	char *full = malloc(full_size), *back = malloc(len + 1), *part;
	size_t n;

	(void)data;
	(void)size;
	if (!full || !back)
		abort();
	n = ksm_escape(text, full, full_size);
	if (n >= full_size || full[n] || strlen(full) != n)
		fuzz_fail("escape: length %zu does not match the output", n);
	for (const unsigned char *p = (const unsigned char *)full; *p; ) {
		size_t l = utf8_len(p);

		if (!l || *p < 0x20 || *p == 0x7f)
			fuzz_fail("escape: byte 0x%02x at %td reaches the terminal",
				  *p, (const char *)p - full);
		p += l;
	}
	if (unescape(full, back) != (long)len || memcmp(back, text, len))
		fuzz_fail("escape: the output does not decode to the input");
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		part = malloc(sizes[i]);
		if (!part)
			abort();
		n = ksm_escape(text, part, sizes[i]);
		if (n >= sizes[i] || strlen(part) != n || strncmp(part, full, n))
			fuzz_fail("escape: %zu bytes: not a prefix of the full output",
				  sizes[i]);
		if (unescape(part, back) < 0)
			fuzz_fail("escape: %zu bytes: cut inside an escape", sizes[i]);
		free(part);
	}
	free(full);
	free(back);
}

/* ---- the target ----------------------------------------------------- */

#define FUZZ(name, fn)
#define FUZZ_TEXT(name, type, fn)					\
	static void fuzz_text_##name(const char *text, const uint8_t *data, \
				     size_t size)			\
	{								\
		type out;						\
		(void)data;						\
		(void)size;						\
		fn(text, &out);						\
	}
#include "targets.def"
#undef FUZZ
#undef FUZZ_TEXT

#define FUZZ_CAT(a, b) a##b
#define FUZZ_XCAT(a, b) FUZZ_CAT(a, b)

/* The function of FUZZ_TARGET's line in targets.def. */
typedef void (*fuzz_fn)(const char *, const uint8_t *, size_t);

static fuzz_fn target(void)
{
#define FUZZ(name, fn) if (!strcmp(#name, FUZZ_XSTR(FUZZ_TARGET))) return fn;
#define FUZZ_TEXT(name, type, fn) \
	if (!strcmp(#name, FUZZ_XSTR(FUZZ_TARGET))) return fuzz_text_##name;
#define FUZZ_STR(x) #x
#define FUZZ_XSTR(x) FUZZ_STR(x)
#include "targets.def"
#undef FUZZ
#undef FUZZ_TEXT
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static fuzz_fn fn;
	char *text;

	if (!fn)
		fn = target();
	if (!fn)
		abort();	/* FUZZ_TARGET names no line of targets.def */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	fn(text, data, size);
	free(text);
	return 0;
}
