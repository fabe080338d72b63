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
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

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

/*
 * Undo ksm_escape() as escape.h says: \\ is \, \n \t \r, \xHH (lowercase,
 * a byte below 0x20 or from 0x7f) is that byte, any other backslash is
 * itself.  -1 when in is not something it writes: a lone backslash that
 * would read as an escape.
 */
static long unescape(const char *in, char *out)
{
	long n = 0;

	while (*in) {
		unsigned int v;

		if (*in != '\\') {
			out[n++] = *in++;
			continue;
		}
		if (in[1] == '\\' || in[1] == 'n' || in[1] == 't' || in[1] == 'r') {
			out[n++] = in[1] == 'n' ? '\n' : in[1] == 't' ? '\t' :
				   in[1] == 'r' ? '\r' : '\\';
			in += 2;
		} else if (in[1] == 'x' && in[2] && strchr("0123456789abcdef", in[2]) &&
			   in[3] && strchr("0123456789abcdef", in[3]) &&
			   sscanf(in + 2, "%2x", &v) == 1 && (v < 0x20 || v >= 0x7f)) {
			out[n++] = (char)v;
			in += 4;
		} else {
			out[n++] = *in++;	/* a backslash as itself */
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
		/* cut between two pieces: it decodes to a prefix of the input */
		{
			long m = unescape(part, back);

			if (m < 0 || (size_t)m > len || memcmp(back, text, (size_t)m))
				fuzz_fail("escape: %zu bytes: cut inside an escape", sizes[i]);
		}
		free(part);
	}
	free(full);
	free(back);
}


/* ---- whole commands: what reaches stdout, stderr, JSON and the export --- */

/*
 * The output target runs status, ps and export (in this process, through
 * the command table) on a sysroot it writes once, where the input decides
 * what processes are called (comm), their cgroups (and so their units and
 * VM names), the kernel's release string, the content of one knob or
 * counter file and the name of a file the table does not know.  Whatever
 * they hold: every stream is UTF-8 with no control byte but the newline,
 * JSON parses (strictly, as UTF-8), and the export is Prometheus text
 * with no series twice.
 */
#include "ksmctl.h"

#define OUT_PIDS 3
static char out_root[64];
static struct ksm_root *out_handle;
static FILE *out_file[2];	/* stdout and stderr while a command runs */

static void out_write(const char *rel, const void *data, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", out_root, rel);
	f = fopen(path, "w");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f))
		fuzz_fail("cannot write %s", path);
}

static void out_puts(const char *rel, const char *text)
{
	out_write(rel, text, strlen(text));
}

static void out_mkdirs(const char *rel)
{
	char path[PATH_MAX], *p;

	snprintf(path, sizeof(path), "%s/%s", out_root, rel);
	for (p = path + strlen(out_root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

static const char *const out_knobs[][2] = {
	{ "run", "1\n" }, { "pages_to_scan", "100\n" },
	{ "sleep_millisecs", "20\n" }, { "merge_across_nodes", "1\n" },
	{ "max_page_sharing", "256\n" }, { "use_zero_pages", "0\n" },
	{ "stable_node_chains_prune_millisecs", "2000\n" },
	{ "smart_scan", "1\n" }, { "advisor_mode", "[none] scan-time\n" },
	{ "advisor_max_cpu", "70\n" }, { "advisor_min_pages_to_scan", "500\n" },
	{ "advisor_max_pages_to_scan", "30000\n" },
	{ "advisor_target_scan_time", "200\n" }, { "pages_shared", "16\n" },
	{ "pages_sharing", "4080\n" }, { "pages_unshared", "100\n" },
	{ "pages_volatile", "4\n" }, { "full_scans", "12\n" },
	{ "stable_node_chains", "0\n" }, { "stable_node_dups", "0\n" },
	{ "general_profit", "16000000\n" }, { "ksm_zero_pages", "20\n" },
	{ "pages_scanned", "123456\n" }, { "pages_skipped", "0\n" },
};

static void out_setup(void)
{
	char rel[128];

	snprintf(out_root, sizeof(out_root), "/tmp/ksmctl-fuzz-out.XXXXXX");
	if (!mkdtemp(out_root))
		fuzz_fail("mkdtemp: %s", strerror(errno));
	out_mkdirs("sys/kernel/mm/ksm");
	out_mkdirs("proc/sys/kernel");
	for (size_t i = 0; i < ARRAY_SIZE(out_knobs); i++) {
		snprintf(rel, sizeof(rel), "sys/kernel/mm/ksm/%s", out_knobs[i][0]);
		out_puts(rel, out_knobs[i][1]);
	}
	out_puts("proc/meminfo", "MemTotal: 32803240 kB\nMemFree: 30000000 kB\n"
		 "MemAvailable: 31000000 kB\n");
	for (int i = 0; i < OUT_PIDS; i++) {
		char status[256];
		int pid = 100 * (i + 1);

		snprintf(rel, sizeof(rel), "proc/%d", pid);
		out_mkdirs(rel);
		snprintf(rel, sizeof(rel), "proc/%d/status", pid);
		snprintf(status, sizeof(status), "Name:\tx\nPid:\t%d\n"
			 "Uid:\t%d\t%d\t%d\t%d\n", pid, 4242 + i, 4242 + i,
			 4242 + i, 4242 + i);
		out_puts(rel, status);
		snprintf(rel, sizeof(rel), "proc/%d/ksm_stat", pid);
		out_puts(rel, "ksm_rmap_items 600000\nksm_zero_pages 2000\n"
			 "ksm_merging_pages 450000\nksm_process_profit 1812992000\n"
			 "ksm_merge_any: no\nksm_mergeable: yes\n");
		snprintf(rel, sizeof(rel), "proc/%d/ksm_merging_pages", pid);
		out_puts(rel, "450000\n");
		snprintf(rel, sizeof(rel), "proc/%d/cmdline", pid);
		out_write(rel, "qemu\0-name\0guest=web\0", 21);
	}
	if (ksm_root_open(&out_handle, out_root))
		fuzz_fail("cannot open %s", out_root);
	/* what a command writes to stdout and stderr, read back after it */
	for (int i = 0; i < 2; i++) {
		out_file[i] = tmpfile();
		if (!out_file[i])
			fuzz_fail("tmpfile: %s", strerror(errno));
	}
}

/* The next field of the input: up to 47 bytes, its length first. */
static size_t out_field(const uint8_t **p, size_t *left, char *buf)
{
	size_t len;

	if (!*left) {
		buf[0] = '\0';
		return 0;
	}
	len = **p % 48;
	(*p)++;
	(*left)--;
	if (len > *left)
		len = *left;
	memcpy(buf, *p, len);
	buf[len] = '\0';
	*p += len;
	*left -= len;
	return len;
}

/* One stream as text: UTF-8, and no control byte but the newline. */
static void out_check_text(const char *cmd, const char *what, const char *s,
			   size_t len)
{
	for (size_t i = 0; i < len; ) {
		const unsigned char *c = (const unsigned char *)s + i;
		size_t l = *c == '\n' ? 1 : utf8_len(c);

		if (!l || *c == 0x7f || (*c < 0x20 && *c != '\n') ||
		    i + l > len)
			fuzz_fail("%s: %s: byte 0x%02x at %zu is not text", cmd,
				  what, *c, i);
		i += l;
	}
}

static void out_check_json(const char *cmd, const char *s, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)len);
	if (!o || json_tokener_get_parse_end(tok) + 1 < len)
		fuzz_fail("%s: not one JSON value (%s)", cmd,
			  json_tokener_error_desc(json_tokener_get_error(tok)));
	json_object_put(o);
	json_tokener_free(tok);
}

static bool out_name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c == ':' || (!first && c >= '0' && c <= '9');
}

static int out_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The export: Prometheus text exposition format, line by line (HELP and
 * TYPE; name{label="value",...} number, values escaping only \\, \" and
 * \n), and every series (name and labels) once.
 */
static void out_check_prometheus(const char *s, size_t len)
{
	char *copy = strndup(s, len), *line, *save = NULL;
	char **series = NULL;
	size_t n = 0;

	if (!copy)
		abort();
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line, *end;

		if (!strncmp(p, "# HELP ", 7) || !strncmp(p, "# TYPE ", 7))
			continue;
		if (!out_name_char(*p, true))
			fuzz_fail("export: not a sample: %s", line);
		while (out_name_char(*p, false))
			p++;
		if (*p == '{') {
			for (p++; *p != '}'; ) {
				if (!out_name_char(*p, true))
					fuzz_fail("export: bad label name: %s", line);
				while (out_name_char(*p, false))
					p++;
				if (p[0] != '=' || p[1] != '"')
					fuzz_fail("export: bad label: %s", line);
				for (p += 2; *p != '"'; p++) {
					if (!*p)
						fuzz_fail("export: label value not closed: %s", line);
					if (*p == '\\' && !strchr("\\\"n", *++p))
						fuzz_fail("export: bad escape in: %s", line);
				}
				p++;
				if (*p == ',')
					p++;
				else if (*p != '}')
					fuzz_fail("export: bad label list: %s", line);
			}
			p++;
		}
		if (*p != ' ')
			fuzz_fail("export: no value: %s", line);
		*p = '\0';
		strtod(p + 1, &end);
		if (end == p + 1 || *end)
			fuzz_fail("export: bad value in: %s", line);
		series = realloc(series, (n + 1) * sizeof(*series));
		if (!series)
			abort();
		series[n++] = line;
	}
	qsort(series, n, sizeof(*series), out_cmp);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(series[i - 1], series[i]))
			fuzz_fail("export: series twice: %s", series[i]);
	free(series);
	free(copy);
}

static char out_buf[2][1 << 20];

/* Run a command as ksmctl would; what it wrote is in out_buf, with lens. */
static void out_run(const char *const *args, size_t lens[2])
{
	const struct ksm_command *cmd = ksm_command_find(args[0]);
	struct ksm_ctx ctx = { .sysroot = out_root, .root = out_handle };
	char *argv[16];
	int argc = 0;

	while (args[argc]) {
		argv[argc] = (char *)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	FILE *saved[2] = { stdout, stderr };

	for (int i = 0; i < 2; i++) {
		rewind(out_file[i]);
		if (ftruncate(fileno(out_file[i]), 0))
			abort();
	}
	fflush(stdout);
	fflush(stderr);
	/* the streams the commands print to: glibc lets them be assigned */
	stdout = out_file[0];
	stderr = out_file[1];
	optind = 0;
	cmd->run(&ctx, argc, argv);
	fflush(stdout);
	fflush(stderr);
	stdout = saved[0];
	stderr = saved[1];
	for (int i = 0; i < 2; i++) {
		ssize_t n = pread(fileno(out_file[i]), out_buf[i],
				  sizeof(out_buf[i]) - 1, 0);

		lens[i] = n > 0 ? (size_t)n : 0;
		out_buf[i][lens[i]] = '\0';
	}
}

static void fuzz_output(const char *text, const uint8_t *data, size_t size)
{
	static const char *const cmds[][8] = {
		{ "status", "--json", NULL },
		{ "status", NULL },
		{ "ps", "--output-all", NULL },
		{ "ps", "-J", "--output-all", NULL },
		{ "ps", "-J", "-g", "unit", NULL },
		{ "export", "-g", "unit,comm,cgroup,vm", NULL },
	};
	char comm[OUT_PIDS][64], cg[OUT_PIDS][64], release[64], value[64];
	char unknown[64], rel[160], esc[256];
	const uint8_t *p = data;
	size_t left = size, knob = 0;

	(void)text;
	if (!out_handle)
		out_setup();
	for (int i = 0; i < OUT_PIDS; i++) {
		out_field(&p, &left, comm[i]);
		out_field(&p, &left, cg[i]);
	}
	out_field(&p, &left, release);
	out_field(&p, &left, value);
	if (left) {
		knob = *p++ % ARRAY_SIZE(out_knobs);
		left--;
	}
	out_field(&p, &left, unknown);
	/* the third process is called what the first one's name escapes to */
	ksm_escape(comm[0], esc, sizeof(esc));
	snprintf(comm[2], sizeof(comm[2]), "%.15s", esc);
	for (int i = 0; i < OUT_PIDS; i++) {
		char line[160];
		static const char *const cg_fmt[OUT_PIDS] = {
			"0::/system.slice/%s.service\n",
			"0::/machine.slice/machine-qemu%s.scope/libvirt/emulator\n",
			"0::%s\n",
		};

		snprintf(rel, sizeof(rel), "proc/%d/comm", 100 * (i + 1));
		snprintf(line, sizeof(line), "%s\n", comm[i]);
		out_puts(rel, line);
		snprintf(rel, sizeof(rel), "proc/%d/cgroup", 100 * (i + 1));
		snprintf(line, sizeof(line), cg_fmt[i], cg[i]);
		out_puts(rel, line);
	}
	snprintf(rel, sizeof(rel), "%s\n", release);
	out_puts("proc/sys/kernel/osrelease", rel);
	snprintf(rel, sizeof(rel), "sys/kernel/mm/ksm/%s", out_knobs[knob][0]);
	out_puts(rel, value);
	/* a file the table does not know: any name a directory may hold */
	for (char *c = unknown; *c; c++)
		if (*c == '/')
			*c = '_';
	if (unknown[0] && strcmp(unknown, ".") && strcmp(unknown, "..")) {
		snprintf(rel, sizeof(rel), "sys/kernel/mm/ksm/%s", unknown);
		out_puts(rel, "1\n");
	}
	for (size_t c = 0; c < ARRAY_SIZE(cmds); c++) {
		size_t lens[2];

		out_run(cmds[c], lens);
		out_check_text(cmds[c][0], "stdout", out_buf[0], lens[0]);
		out_check_text(cmds[c][0], "stderr", out_buf[1], lens[1]);
		if (cmds[c][1] && (!strcmp(cmds[c][1], "--json") ||
				   !strcmp(cmds[c][1], "-J")))
			out_check_json(cmds[c][0], out_buf[0], lens[0]);
		if (!strcmp(cmds[c][0], "export"))
			out_check_prometheus(out_buf[0], lens[0]);
	}
	/* as it was, for the next input */
	snprintf(rel, sizeof(rel), "sys/kernel/mm/ksm/%s", out_knobs[knob][0]);
	out_puts(rel, out_knobs[knob][1]);
	if (unknown[0] && strcmp(unknown, ".") && strcmp(unknown, "..")) {
		char path[PATH_MAX];
		bool known = false;

		for (size_t i = 0; i < ARRAY_SIZE(out_knobs); i++)
			known |= !strcmp(unknown, out_knobs[i][0]);
		snprintf(path, sizeof(path), "%s/sys/kernel/mm/ksm/%s", out_root, unknown);
		if (!known)
			unlink(path);
	}
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
