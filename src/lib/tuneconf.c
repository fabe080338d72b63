// SPDX-License-Identifier: GPL-2.0-or-later
#include "tuneconf.h"

#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "envfile.h"
#include "escape.h"

static const struct {
	const char *name;
	const char *def;
} keys[TK_COUNT] = {
	[TK_MONITOR_INTERVAL] = { "KSM_MONITOR_INTERVAL", "60" },
	[TK_SLEEP_MSEC] = { "KSM_SLEEP_MSEC", "10" },
	[TK_NPAGES_BOOST] = { "KSM_NPAGES_BOOST", "300" },
	[TK_NPAGES_DECAY] = { "KSM_NPAGES_DECAY", "-50" },
	[TK_NPAGES_MIN] = { "KSM_NPAGES_MIN", "64" },
	[TK_NPAGES_MAX] = { "KSM_NPAGES_MAX", "1250" },
	[TK_THRES_COEF] = { "KSM_THRES_COEF", "20" },
	[TK_THRES_CONST] = { "KSM_THRES_CONST", "2048" },
	[TK_LOGFILE] = { "LOGFILE", "" },
	[TK_DEBUG] = { "DEBUG", "" },
	[TK_PIDFILE] = { "PIDFILE", "" },
	[TK_FREE_METRIC] = { "KSM_FREE_METRIC", "available" },
	[TK_COMMITTED] = { "KSM_COMMITTED", "pss" },
	[TK_PROCESS_REGEX] = { "KSM_PROCESS_REGEX", KSM_TUNE_DEFAULT_REGEX },
	[TK_INCLUDE_KSM_USERS] = { "KSM_INCLUDE_KSM_USERS", "no" },
	[TK_USE_ADVISOR] = { "KSM_USE_ADVISOR", "auto" },
	[TK_GOVERNOR] = { "KSM_GOVERNOR", "" },
	[TK_RESTORE_ON_EXIT] = { "KSM_RESTORE_ON_EXIT", "yes" },
};

static const char *const free_names[] = { "available", "ksmtuned", NULL };
static const char *const committed_names[] = { "pss", "rss", NULL };
static const char *const advisor_names[] = { "auto", "yes", "no", NULL };
static const char *const governor_names[] = {
	"", "full", "medium", "low", "quiet", NULL
};

const char *ksm_tune_key_name(enum ksm_tune_key key)
{
	return keys[key].name;
}

const char *ksm_tune_key_default(enum ksm_tune_key key)
{
	return keys[key].def;
}

const char *ksm_tune_governor_name(enum ksm_tune_governor g)
{
	return governor_names[g];
}

static const char *interval_text(long ms, char *buf, size_t size)
{
	if (ms % 1000)
		snprintf(buf, size, "%ld.%03ld", ms / 1000, ms % 1000);
	else
		snprintf(buf, size, "%ld", ms / 1000);
	return buf;
}

const char *ksm_tune_key_value(const struct ksm_tune_config *c,
			       enum ksm_tune_key key, char *buf, size_t size)
{
	switch (key) {
	case TK_MONITOR_INTERVAL:
		return interval_text(c->interval_ms, buf, size);
	case TK_SLEEP_MSEC:
		snprintf(buf, size, "%llu", c->sleep_msec);
		return buf;
	case TK_NPAGES_BOOST:
		snprintf(buf, size, "%lld", c->npages_boost);
		return buf;
	case TK_NPAGES_DECAY:
		snprintf(buf, size, "%lld", c->npages_decay);
		return buf;
	case TK_NPAGES_MIN:
		snprintf(buf, size, "%llu", c->npages_min);
		return buf;
	case TK_NPAGES_MAX:
		snprintf(buf, size, "%llu", c->npages_max);
		return buf;
	case TK_THRES_COEF:
		snprintf(buf, size, "%u", c->thres_coef);
		return buf;
	case TK_THRES_CONST:
		snprintf(buf, size, "%llu", c->thres_const);
		return buf;
	case TK_LOGFILE:
		return c->logfile;
	case TK_DEBUG:
		return c->debug ? "1" : "";
	case TK_PIDFILE:
		return c->pidfile;
	case TK_FREE_METRIC:
		return free_names[c->free_metric];
	case TK_COMMITTED:
		return committed_names[c->committed];
	case TK_PROCESS_REGEX:
		return c->process_regex;
	case TK_INCLUDE_KSM_USERS:
		return c->include_ksm_users ? "yes" : "no";
	case TK_USE_ADVISOR:
		return advisor_names[c->use_advisor];
	case TK_GOVERNOR:
		return governor_names[c->governor];
	case TK_RESTORE_ON_EXIT:
		return c->restore_on_exit ? "yes" : "no";
	default:
		return "";
	}
}

void ksm_tune_config_defaults(struct ksm_tune_config *c)
{
	memset(c, 0, sizeof(*c));
	c->interval_ms = 60000;
	c->sleep_msec = 10;
	c->npages_boost = 300;
	c->npages_decay = -50;
	c->npages_min = 64;
	c->npages_max = 1250;
	c->thres_coef = 20;
	c->thres_const = 2048;
	c->free_metric = TUNE_FREE_AVAILABLE;
	c->committed = TUNE_COMMITTED_PSS;
	snprintf(c->process_regex, sizeof(c->process_regex), "%s",
		 KSM_TUNE_DEFAULT_REGEX);
	c->use_advisor = TUNE_ADVISOR_AUTO;
	c->restore_on_exit = true;
}

struct parse_ctx {
	struct ksm_tune_config cfg;
	struct ksm_tune_error *err;
};

__attribute__((format(printf, 3, 4)))
static int refuse(struct parse_ctx *p, int line, const char *fmt, ...)
{
	va_list ap;

	p->err->line = line;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * A whole number as sh arithmetic would read it, minus its traps:
 * ksmtuned does $[...] on these, where 010 is octal 8 and 0x10 is 16,
 * so anything but plain decimal is refused rather than guessed.
 */
static int parse_integer(const char *v, bool sign, long long min,
			 long long max, long long *out)
{
	const char *p = v;
	bool neg = false;
	long long n = 0;

	if (sign && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	if (*p < '0' || *p > '9')
		return -EINVAL;
	if (*p == '0' && p[1])
		return -EDOM;		/* octal in sh */
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (LLONG_MAX - (*p - '0')) / 10)
			return -ERANGE;
		n = n * 10 + (*p - '0');
	}
	if (*p)
		return -EINVAL;
	if (neg)
		n = -n;
	if (n < min || n > max)
		return -ERANGE;
	*out = n;
	return 0;
}

static int set_integer(struct parse_ctx *p, int line, const char *key,
		       const char *v, const char *shown, bool sign,
		       long long min, long long max, long long *out)
{
	int err = parse_integer(v, sign, min, max, out);

	if (err == -EDOM)
		return refuse(p, line, "%s: invalid value '%s': a leading 0 makes it octal for ksmtuned's shell; write the decimal number",
			      key, shown);
	if (err)
		return refuse(p, line, "%s: invalid value '%s': expected a whole number from %lld to %lld",
			      key, shown, min, max);
	return 0;
}

/* sleep(1)'s syntax, as ksmtuned passes it on: 60, 0.5, 2m, 1h. */
static int parse_interval(const char *v, long *ms)
{
	unsigned long long whole = 0, frac = 0, scale = 1000, mult = 1000;
	const char *p = v;
	int digits = 0;

	for (; *p >= '0' && *p <= '9'; p++, digits++)
		if (whole < 1000000000ULL)
			whole = whole * 10 + (unsigned long long)(*p - '0');
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			if (scale > 1) {
				scale /= 10;
				frac += (unsigned long long)(*p - '0') * scale;
			}
		}
	}
	if (!digits)
		return -EINVAL;
	switch (*p) {
	case 's':
		p++;
		break;
	case 'm':
		mult = 60000;
		p++;
		break;
	case 'h':
		mult = 3600000;
		p++;
		break;
	case 'd':
		mult = 86400000;
		p++;
		break;
	}
	if (*p)
		return -EINVAL;
	if (whole > 86400 * 1000)
		return -ERANGE;
	whole = whole * mult + frac * (mult / 1000);
	if (whole == 0 || whole > 86400000ULL)
		return -ERANGE;
	*ms = (long)whole;
	return 0;
}

static int parse_word(const char *v, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(v, names[i]))
			return i;
	return -1;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "y", "true", "on", "1", NULL };
	static const char *const no[] = { "no", "n", "false", "off", "0", NULL };

	for (int i = 0; yes[i]; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int set_path(struct parse_ctx *p, int line, const char *key,
		    const char *v, const char *shown, char *out, size_t size)
{
	if (*v && *v != '/')
		return refuse(p, line, "%s: invalid value '%s': expected an absolute path",
			      key, shown);
	if (strlen(v) >= size)
		return refuse(p, line, "%s: path too long", key);
	snprintf(out, size, "%s", v);
	return 0;
}

static int set_yes_no(struct parse_ctx *p, int line, const char *key,
		      const char *v, const char *shown, bool *out)
{
	if (parse_bool(v, out))
		return refuse(p, line, "%s: invalid value '%s': expected yes or no",
			      key, shown);
	return 0;
}

static int set_choice(struct parse_ctx *p, int line, const char *key,
		      const char *v, const char *shown,
		      const char *const *names, const char *expected, int *out)
{
	int i = parse_word(v, names);

	if (i < 0)
		return refuse(p, line, "%s: invalid value '%s': expected %s",
			      key, shown, expected);
	*out = i;
	return 0;
}

/* Saturating, so a silly pattern cannot wrap the estimate below. */
static unsigned long long sat_add(unsigned long long a, unsigned long long b)
{
	return a > ~0ULL - b ? ~0ULL : a + b;
}

static unsigned long long sat_mul(unsigned long long a, unsigned long long b)
{
	return b && a > ~0ULL / b ? ~0ULL : a * b;
}

/* Skip a bracket expression ("[]a-z[:digit:]]"): the ']' that ends it. */
static const char *bracket_end(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	for (; *p && *p != ']'; p++) {
		if (*p == '[' && (p[1] == ':' || p[1] == '=' || p[1] == '.')) {
			const char *e = strchr(p + 2, p[1]);

			while (e && e[1] != ']')
				e = strchr(e + 1, p[1]);
			if (e)
				p = e + 1;
		}
	}
	return *p ? p : p - 1;
}

/*
 * About how big glibc's regcomp() makes an extended regular expression,
 * or ~0 for one it must not be given.  It copies a repeated part once per
 * repetition ("a{1,9}" is nine copies of a), and nested repetitions
 * multiply: "(((((((((u*)+)+)+)+)+)+)+)+)+" takes 16 MiB and each more
 * level four times that; stacked ones ("u+++...", "u*++...", undefined
 * in POSIX) grow faster still: "u*" and 13 '+' did not compile in 30 s,
 * and neither did "((($|(()+)+)+)+)+", five repetitions deep around an
 * anchor and empty groups; anchors alone are enough: "(((|$|$|$|$|$|a)+)
 * +)+" takes 4 s.  So a repetition of a repetition is refused, and of a
 * group holding an anchor (it means nothing there), repetitions nest at
 * most KSM_TUNE_REGEX_MAX_NEST deep, and every nested one counts four
 * times, to refuse the pattern before regcomp() runs.
 */
#define KSM_TUNE_REGEX_MAX_NEST 3

static unsigned long long regex_size(const char *re)
{
	unsigned long long sum[32] = { 0 }, last[32] = { 0 };
	/* repetitions nested in the last item, and in the whole group */
	int nest[32] = { 0 }, nest_max[32] = { 0 };
	/* an anchor (^ $) in the last item, and in the whole group */
	bool anchor[32] = { false }, anchors[32] = { false };
	bool repeated = false;	/* the last item was a repetition operator */
	int depth = 0;

	for (const char *p = re; *p; p++) {
		unsigned long long atom = 1, factor = 4, m = 0, n = 0;
		bool atom_anchor = *p == '^' || *p == '$';
		int atom_nest = 0;

		switch (*p) {
		case '(':
			if (++depth == 32)
				return ~0ULL;
			sum[depth] = last[depth] = 0;
			nest[depth] = nest_max[depth] = 0;
			anchor[depth] = anchors[depth] = false;
			repeated = false;
			continue;
		case ')':
			if (depth) {
				atom = sum[depth] ? sum[depth] : 1;
				atom_nest = nest_max[depth];
				atom_anchor = anchors[depth];
				depth--;
			}
			break;
		case '|':
			repeated = false;
			continue;
		case '\\':
			if (p[1])
				p++;
			break;
		case '[':
			p = bracket_end(p);
			break;
		case '{':
			while (p[1] >= '0' && p[1] <= '9')
				m = sat_add(sat_mul(m, 10), (unsigned long long)(*++p - '0'));
			if (p[1] == ',')
				p++;
			while (p[1] >= '0' && p[1] <= '9')
				n = sat_add(sat_mul(n, 10), (unsigned long long)(*++p - '0'));
			if (p[1] == '}')
				p++;
			/* {m,n}: n copies; {m} and {m,}: m, and one more */
			factor = sat_mul(n > m ? n : sat_add(m, 1), 4);
			/* fall through */
		case '+':
		case '*':
		case '?':
			if (repeated || anchor[depth] ||
			    ++nest[depth] > KSM_TUNE_REGEX_MAX_NEST)
				return ~0ULL;
			repeated = true;
			if (nest[depth] > nest_max[depth])
				nest_max[depth] = nest[depth];
			sum[depth] = sat_add(sum[depth], sat_mul(last[depth], factor - 1));
			last[depth] = sat_mul(last[depth], factor);
			continue;
		default:
			break;
		}
		repeated = false;
		sum[depth] = sat_add(sum[depth], atom);
		last[depth] = atom;
		nest[depth] = atom_nest;
		if (atom_nest > nest_max[depth])
			nest_max[depth] = atom_nest;
		anchor[depth] = atom_anchor;
		anchors[depth] |= atom_anchor;
	}
	while (depth > 0) {
		sum[depth - 1] = sat_add(sum[depth - 1], sum[depth]);
		depth--;
	}
	return sum[0];
}

/* The default pattern is about 110; 10000 compiles in milliseconds. */
#define KSM_TUNE_REGEX_MAX_SIZE 10000

static int set_regex(struct parse_ctx *p, int line, const char *key,
		     const char *v, const char *shown)
{
	char why[128];
	regex_t re;
	int rc;

	if (!*v)
		return refuse(p, line, "%s: empty: it would match every process",
			      key);
	if (strlen(v) >= sizeof(p->cfg.process_regex))
		return refuse(p, line, "%s: too long", key);
	if (regex_size(v) > KSM_TUNE_REGEX_MAX_SIZE)
		return refuse(p, line, "%s: invalid value '%s': a repetition of a repetition or of an anchor, or repetitions nested too deeply (compiling it could take the C library gigabytes or minutes)",
			      key, shown);
	rc = regcomp(&re, v, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		regerror(rc, &re, why, sizeof(why));
		regfree(&re);
		return refuse(p, line, "%s: invalid value '%s': not a POSIX extended regular expression: %s",
			      key, shown, why);
	}
	regfree(&re);
	snprintf(p->cfg.process_regex, sizeof(p->cfg.process_regex), "%s", v);
	return 0;
}

static int set_key(struct parse_ctx *p, enum ksm_tune_key k, const char *v,
		   const char *shown, int line)
{
	struct ksm_tune_config *c = &p->cfg;
	const char *key = keys[k].name;
	long long n = 0;
	int i = 0, err = 0;

	switch (k) {
	case TK_MONITOR_INTERVAL:
		if (parse_interval(v, &c->interval_ms))
			return refuse(p, line, "%s: invalid value '%s': expected seconds, more than 0 and at most 86400 (fractions and an s, m, h or d suffix as sleep(1) takes them)",
				      key, shown);
		break;
	case TK_SLEEP_MSEC:
		err = set_integer(p, line, key, v, shown, false, 0, UINT_MAX, &n);
		c->sleep_msec = (unsigned long long)n;
		break;
	case TK_NPAGES_BOOST:
		err = set_integer(p, line, key, v, shown, true, -(long long)UINT_MAX,
				  UINT_MAX, &c->npages_boost);
		break;
	case TK_NPAGES_DECAY:
		err = set_integer(p, line, key, v, shown, true, -(long long)UINT_MAX,
				  UINT_MAX, &c->npages_decay);
		break;
	case TK_NPAGES_MIN:
		err = set_integer(p, line, key, v, shown, false, 0, UINT_MAX, &n);
		/* ksmtuned would then leave ksmd running with pages_to_scan 0 */
		if (!err && n == 0)
			err = refuse(p, line, "%s: invalid value '%s': 0 would leave ksmd running and scanning nothing (pages_to_scan 0); expected a whole number from 1 to %u",
				     key, shown, UINT_MAX);
		c->npages_min = (unsigned long long)n;
		break;
	case TK_NPAGES_MAX:
		err = set_integer(p, line, key, v, shown, false, 0, UINT_MAX, &n);
		c->npages_max = (unsigned long long)n;
		break;
	case TK_THRES_COEF:
		err = set_integer(p, line, key, v, shown, false, 0, 100, &n);
		c->thres_coef = (unsigned int)n;
		break;
	case TK_THRES_CONST:
		/* KiB; 1 PiB is far beyond any machine */
		err = set_integer(p, line, key, v, shown, false, 0, 1LL << 40, &n);
		c->thres_const = (unsigned long long)n;
		break;
	case TK_LOGFILE:
		return set_path(p, line, key, v, shown, c->logfile,
				sizeof(c->logfile));
	case TK_PIDFILE:
		return set_path(p, line, key, v, shown, c->pidfile,
				sizeof(c->pidfile));
	case TK_DEBUG:
		/* ksmtuned tests [ -n "$DEBUG" ]; 0/no/off say "off" here */
		if (parse_bool(v, &c->debug))
			c->debug = *v != '\0';
		break;
	case TK_FREE_METRIC:
		err = set_choice(p, line, key, v, shown, free_names,
				 "available or ksmtuned", &i);
		c->free_metric = (enum ksm_tune_free)i;
		break;
	case TK_COMMITTED:
		err = set_choice(p, line, key, v, shown, committed_names,
				 "pss or rss", &i);
		c->committed = (enum ksm_tune_committed)i;
		break;
	case TK_PROCESS_REGEX:
		return set_regex(p, line, key, v, shown);
	case TK_INCLUDE_KSM_USERS:
		return set_yes_no(p, line, key, v, shown, &c->include_ksm_users);
	case TK_RESTORE_ON_EXIT:
		return set_yes_no(p, line, key, v, shown, &c->restore_on_exit);
	case TK_USE_ADVISOR:
		err = set_choice(p, line, key, v, shown, advisor_names,
				 "auto, yes or no", &i);
		c->use_advisor = (enum ksm_tune_advisor)i;
		break;
	case TK_GOVERNOR:
		err = set_choice(p, line, key, v, shown, governor_names,
				 "full, medium, low, quiet or nothing", &i);
		c->governor = (enum ksm_tune_governor)i;
		break;
	default:
		break;
	}
	return err;
}

static int on_assignment(const char *key, const char *value, int line,
			 void *data)
{
	struct parse_ctx *p = data;
	char shown[128];
	int err;

	for (int k = 0; k < TK_COUNT; k++) {
		if (strcmp(key, keys[k].name))
			continue;
		ksm_escape(value, shown, sizeof(shown));
		err = set_key(p, (enum ksm_tune_key)k, value, shown, line);
		if (!err)
			p->cfg.line[k] = line;
		return err;
	}
	ksm_escape(key, shown, sizeof(shown));
	return refuse(p, line, "unknown setting '%s' (see ksmctl(8), tune)", shown);
}

/* Checks that involve two keys, reported at the later of the two lines. */
static int check_config(struct parse_ctx *p)
{
	const struct ksm_tune_config *c = &p->cfg;
	int line;

	if (c->npages_min > c->npages_max) {
		line = c->line[TK_NPAGES_MIN] > c->line[TK_NPAGES_MAX] ?
		       c->line[TK_NPAGES_MIN] : c->line[TK_NPAGES_MAX];
		return refuse(p, line, "KSM_NPAGES_MIN (%llu) is above KSM_NPAGES_MAX (%llu)",
			      c->npages_min, c->npages_max);
	}
	if (c->governor != TUNE_GOV_NONE && c->use_advisor == TUNE_ADVISOR_NO) {
		line = c->line[TK_GOVERNOR] > c->line[TK_USE_ADVISOR] ?
		       c->line[TK_GOVERNOR] : c->line[TK_USE_ADVISOR];
		return refuse(p, line, "KSM_GOVERNOR=%s needs the kernel's scan-time advisor, which KSM_USE_ADVISOR=no rules out",
			      governor_names[c->governor]);
	}
	return 0;
}

int ksm_tune_config_parse(const char *text, struct ksm_tune_config *c,
			  struct ksm_tune_error *err)
{
	struct parse_ctx p = { .cfg = *c, .err = err };
	int bad_line = 0, rc;

	memset(err, 0, sizeof(*err));
	rc = ksm_envfile_parse(text, on_assignment, &p, &bad_line);
	if (rc == -EINVAL && !err->msg[0])
		return refuse(&p, bad_line, "not a KEY=VALUE line as sh reads it (one word, or quoted)");
	if (rc)
		return rc;
	rc = check_config(&p);
	if (rc)
		return rc;
	*c = p.cfg;
	return 0;
}
