// SPDX-License-Identifier: GPL-2.0-or-later
#include "tuner.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "envfile.h"
#include "escape.h"
#include "governor.h"
#include "units.h"

/* ---- configuration ---------------------------------------------------- */

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

unsigned int ksm_tune_governor_budget(enum ksm_tune_governor g)
{
	static const unsigned int budget[] = { 0, 95, 50, 20, 1 };

	return budget[g];
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
		if (parse_bool(v, &c->include_ksm_users))
			return refuse(p, line, "%s: invalid value '%s': expected yes or no",
				      key, shown);
		break;
	case TK_RESTORE_ON_EXIT:
		if (parse_bool(v, &c->restore_on_exit))
			return refuse(p, line, "%s: invalid value '%s': expected yes or no",
				      key, shown);
		break;
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

/* ---- the decision ----------------------------------------------------- */

bool ksm_tune_knob(enum ksm_knob_id id)
{
	return id == KSM_RUN || id == KSM_PAGES_TO_SCAN ||
	       id == KSM_SLEEP_MILLISECS || id == KSM_ADVISOR_MODE ||
	       id == KSM_ADVISOR_MAX_CPU;
}

bool ksm_tune_changed_any(const struct ksm_tune_state *st)
{
	for (int id = 0; id < KSM_KNOB_COUNT; id++)
		if (st->owned[id])
			return true;
	return false;
}

void ksm_tune_state_init(struct ksm_tune_state *st, const struct ksm_sample *s)
{
	memset(st, 0, sizeof(*st));
	for (int id = 0; id < KSM_KNOB_COUNT; id++)
		st->start[id] = s->v[id];
	/* The administrator's ceiling (the kernel's default is 70). */
	st->cpu_ceiling = ksm_has(s, KSM_ADVISOR_MAX_CPU) ?
			  ksm_u(s, KSM_ADVISOR_MAX_CPU) : 70;
	if (st->cpu_ceiling == 0 || st->cpu_ceiling > 100)
		st->cpu_ceiling = 70;
}

static void appendf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void appendf(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

static const char *kib(unsigned long long k, char *buf, size_t size)
{
	ksm_format_size(k > ~0ULL / 1024 ? ~0ULL : k * 1024, buf, size);
	return buf;
}

/* Want knob id at value u; only a change of the sampled value is a write. */
static void want(struct ksm_tune_decision *d, const struct ksm_sample *s,
		 const struct ksm_tune_state *prev, enum ksm_knob_id id,
		 unsigned long long u)
{
	const struct ksm_knob *k = &ksm_knobs[id];
	struct ksm_value to = { .u = u, .s = (long long)u };
	char now[64];

	d->next.desired[id] = to;
	d->next.wanted[id] = true;
	if (!ksm_has(s, id) || ksm_value_equal(k, &s->v[id], &to))
		return;
	/* Someone else changed a knob we had set: say so, then set it. */
	if (prev->owned[id] && prev->wanted[id] &&
	    !ksm_value_equal(k, &s->v[id], &prev->desired[id])) {
		ksm_knob_format(k, &s->v[id], now, sizeof(now));
		appendf(d->reason, sizeof(d->reason),
			"; %s was set to %s outside the tuner", k->name, now);
	}
	d->writes[d->count].id = id;
	d->writes[d->count].from = s->v[id];
	d->writes[d->count].to = to;
	d->count++;
	d->next.owned[id] = true;
}

static unsigned long long free_kib(const struct ksm_tune_config *c,
				   const struct ksm_sample *s, const char **source)
{
	const struct ksm_meminfo *m = &s->mem;

	if (c->free_metric == TUNE_FREE_AVAILABLE && m->present[MEM_AVAILABLE]) {
		*source = "MemAvailable";
		return m->bytes[MEM_AVAILABLE] / 1024;
	}
	*source = c->free_metric == TUNE_FREE_AVAILABLE ?
		  "MemFree+Buffers+Cached, no MemAvailable before Linux 3.14" :
		  "MemFree+Buffers+Cached";
	return (m->bytes[MEM_FREE] + m->bytes[MEM_BUFFERS] +
		m->bytes[MEM_CACHED]) / 1024;
}

/* ksmtuned's increase_npages: add, then clamp to [min, max]. */
static long long next_npages(const struct ksm_tune_config *c, long long npages,
			     long long delta, const char **clamp)
{
	long long n = npages + delta;

	*clamp = NULL;
	if (n < (long long)c->npages_min) {
		n = (long long)c->npages_min;
		*clamp = "KSM_NPAGES_MIN";
	} else if (n > (long long)c->npages_max) {
		n = (long long)c->npages_max;
		*clamp = "KSM_NPAGES_MAX";
	}
	return n;
}

/* The advisor's CPU cap for npages: the same share of the ceiling. */
static unsigned long long advisor_cpu(const struct ksm_tune_config *c,
				      unsigned long long ceiling, long long npages)
{
	unsigned long long cpu;

	if (c->npages_max == 0)
		return ceiling;
	cpu = (ceiling * (unsigned long long)npages + c->npages_max - 1) /
	      c->npages_max;
	if (cpu < 1)
		cpu = 1;
	return cpu > ceiling ? ceiling : cpu;
}

static bool use_advisor(const struct ksm_tune_config *c,
			const struct ksm_sample *s)
{
	bool on = ksm_has(s, KSM_ADVISOR_MODE) && ksm_u(s, KSM_ADVISOR_MODE) != 0;

	switch (c->use_advisor) {
	case TUNE_ADVISOR_YES:
		return true;
	case TUNE_ADVISOR_NO:
		return false;
	default:
		return on || c->governor != TUNE_GOV_NONE;
	}
}

/* ksmtuned's DECAY (or a negative BOOST's add): the ramp, clamped. */
static void pace_ramp(const struct ksm_tune_config *c,
		      const struct ksm_tune_state *prev,
		      struct ksm_tune_decision *d)
{
	long long delta = d->action == TUNE_BOOST ? c->npages_boost :
			  c->npages_decay;
	const char *clamp;

	d->npages = next_npages(c, prev->npages, delta, &clamp);
	appendf(d->reason, sizeof(d->reason), ": %s %+lld -> %lld pages",
		d->action == TUNE_BOOST ? "boost" : "decay", delta, d->npages);
	if (clamp)
		appendf(d->reason, sizeof(d->reason), " (clamped to %s)", clamp);
}

/* Free memory short while ksmd merges (or may): the full configured pace. */
static void pace_boost(const struct ksm_tune_config *c,
		       const struct ksm_tune_work *work,
		       struct ksm_tune_decision *d)
{
	char grew[32];

	d->npages = (long long)c->npages_max;
	if (!work || work->activity == TUNE_ACT_UNKNOWN)
		appendf(d->reason, sizeof(d->reason), ": boost: nothing known of ksmd's work yet");
	else if (work->woke_growth)
		appendf(d->reason, sizeof(d->reason),
			": boost: the committed memory grew by %s (a new guest?)",
			kib(work->woke_growth / 1024, grew, sizeof(grew)));
	else
		appendf(d->reason, sizeof(d->reason), ": boost: ksmd is merging");
	appendf(d->reason, sizeof(d->reason),
		", merging pays: full pace -> %lld pages (KSM_NPAGES_MAX)",
		d->npages);
}

/* Nothing left to merge: the least pages, and a sleep for the idle share. */
static void pace_idle(const struct ksm_tune_config *c,
		      const struct ksm_tune_work *work,
		      struct ksm_tune_decision *d)
{
	double cost = work->cost_ns > 0 ? work->cost_ns : KSM_GOV_DEFAULT_COST_NS;

	d->action = TUNE_IDLE;
	d->npages = (long long)c->npages_min;
	appendf(d->reason, sizeof(d->reason),
		": idle: nothing merged in %llu full scans", work->quiet_scans);
	if (d->advisor)
		return;		/* the advisor's CPU cap follows npages */
	d->sleep_ms = ksm_tune_idle_sleep(c->npages_min, cost, d->sleep_ms);
	appendf(d->reason, sizeof(d->reason),
		": pages_to_scan %lld, sleep_millisecs %llu (ksmd near %.1f%% of a CPU at %.0f ns a page, %s)",
		d->npages, d->sleep_ms, KSM_PACE_IDLE_SHARE * 100, cost,
		work->cost_measured ? "measured" : "the default");
}

static void decide_needed(const struct ksm_tune_config *c,
			  const struct ksm_sample *s,
			  const struct ksm_tune_state *prev,
			  const struct ksm_tune_work *work,
			  struct ksm_tune_decision *d)
{
	char committed[32], thres[32], total[32], free[32];
	unsigned long long ceiling;

	kib(d->committed, committed, sizeof(committed));
	kib(d->thres, thres, sizeof(thres));
	kib(d->total, total, sizeof(total));
	kib(d->free, free, sizeof(free));
	d->action = d->free < d->thres ? TUNE_BOOST : TUNE_DECAY;
	snprintf(d->reason, sizeof(d->reason),
		 "KSM needed: committed %s + threshold %s %s total %s",
		 committed, thres,
		 d->committed + d->thres >= d->total ? ">=" : "< (but free is low)",
		 total);
	appendf(d->reason, sizeof(d->reason), "; free %s (%s) %s threshold %s",
		free, d->free_source, d->action == TUNE_BOOST ? "<" : ">=",
		thres);
	if (work && work->activity == TUNE_ACT_IDLE)
		pace_idle(c, work, d);
	else if (d->action == TUNE_BOOST && c->npages_boost > 0)
		pace_boost(c, work, d);
	else
		pace_ramp(c, prev, d);
	d->next.npages = d->npages;
	if (d->advisor) {
		ceiling = c->governor ? ksm_tune_governor_budget(c->governor) :
			  prev->cpu_ceiling;
		d->max_cpu = advisor_cpu(c, ceiling, d->npages);
		appendf(d->reason, sizeof(d->reason),
			"; the scan-time advisor sets pages_to_scan: advisor_max_cpu %llu%% of %llu%%",
			d->max_cpu, ceiling);
		if (c->governor)
			appendf(d->reason, sizeof(d->reason), " (KSM_GOVERNOR=%s)",
				ksm_tune_governor_name(c->governor));
		want(d, s, prev, KSM_ADVISOR_MODE, 1);
		want(d, s, prev, KSM_ADVISOR_MAX_CPU, d->max_cpu);
	} else {
		if (ksm_has(s, KSM_ADVISOR_MODE))
			want(d, s, prev, KSM_ADVISOR_MODE, 0);
		want(d, s, prev, KSM_PAGES_TO_SCAN, (unsigned long long)d->npages);
	}
	want(d, s, prev, KSM_SLEEP_MILLISECS, d->sleep_ms);
	want(d, s, prev, KSM_RUN, 1);
}

int ksm_tune_decide(const struct ksm_tune_config *c, const struct ksm_sample *s,
		    const struct ksm_committed *cm,
		    const struct ksm_tune_state *prev,
		    const struct ksm_tune_work *work,
		    struct ksm_tune_decision *d)
{
	char committed[32], thres[32], total[32], free[32];
	unsigned long long sleep;

	memset(d, 0, sizeof(*d));
	d->next = *prev;
	d->next.cycles++;
	d->npages = prev->npages;
	if (s->meminfo_err && s->meminfo_err != -ENODATA) {
		snprintf(d->reason, sizeof(d->reason),
			 "/proc/meminfo: cannot read it: %s: cannot decide",
			 strerror(-s->meminfo_err));
		return -ENODATA;
	}
	if (!s->has_meminfo || !s->mem.present[MEM_TOTAL] ||
	    s->mem.bytes[MEM_TOTAL] < 1024) {
		snprintf(d->reason, sizeof(d->reason),
			 "no MemTotal in /proc/meminfo: cannot decide");
		return -ENODATA;
	}
	d->advisor = use_advisor(c, s);
	if (d->advisor && !ksm_has(s, KSM_ADVISOR_MODE)) {
		snprintf(d->reason, sizeof(d->reason), "%s needs the scan-time advisor (advisor_mode, Linux 6.8), which this kernel lacks",
			 c->governor ? "KSM_GOVERNOR" : "KSM_USE_ADVISOR=yes");
		return -ENOENT;
	}
	d->total = s->mem.bytes[MEM_TOTAL] / 1024;
	d->free = free_kib(c, s, &d->free_source);
	d->committed = cm->bytes / 1024;
	d->thres = d->total * c->thres_coef / 100;
	if (c->thres_const > d->thres)
		d->thres = c->thres_const;
	sleep = c->sleep_msec * 16 * 1024 * 1024 / d->total;
	d->sleep_ms = sleep < 10 ? 10 : sleep > UINT_MAX ? UINT_MAX : sleep;

	if (d->committed + d->thres < d->total && d->free > d->thres) {
		d->action = TUNE_STOP;
		snprintf(d->reason, sizeof(d->reason),
			 "KSM not needed: committed %s + threshold %s < total %s and free %s (%s) > threshold",
			 kib(d->committed, committed, sizeof(committed)),
			 kib(d->thres, thres, sizeof(thres)),
			 kib(d->total, total, sizeof(total)),
			 kib(d->free, free, sizeof(free)), d->free_source);
		/* run 2 (unmerged) is stopped too */
		if (ksm_u(s, KSM_RUN) != 2)
			want(d, s, prev, KSM_RUN, 0);
	} else {
		decide_needed(c, s, prev, work, d);
	}
	appendf(d->reason, sizeof(d->reason), "; %zu process%s counted",
		cm->procs, cm->procs == 1 ? "" : "es");
	if (cm->vanished)
		appendf(d->reason, sizeof(d->reason), ", %zu exited while read",
			cm->vanished);
	if (cm->denied)
		appendf(d->reason, sizeof(d->reason), ", %zu not readable",
			cm->denied);
	if (cm->rss_fallback)
		appendf(d->reason, sizeof(d->reason),
			", %zu by RSS (no smaps_rollup)", cm->rss_fallback);
	return 0;
}

/* ---- what ksmd does ------------------------------------------------------ */

void ksm_tune_watch_init(struct ksm_tune_watch *w)
{
	memset(w, 0, sizeof(*w));
	w->cost_ns = KSM_GOV_DEFAULT_COST_NS;
}

/* ksmd's CPU per page between a and b, as a moving average (as the pacer). */
static void learn_cost(struct ksm_tune_watch *w,
		       const struct ksm_pace_reading *a,
		       const struct ksm_pace_reading *b)
{
	double now = ksm_pace_cost(a, b);

	if (!(now > 0))
		return;
	w->cost_ns = w->cost_measured ? 0.5 * w->cost_ns + 0.5 * now : now;
	w->cost_measured = true;
}

/* Idle, and the guests' memory grew since: a new guest to merge. */
static void wake_on_growth(struct ksm_tune_watch *w, bool was_idle,
			   const struct ksm_pace_reading *r,
			   unsigned long long committed,
			   unsigned long long total, struct ksm_tune_work *work)
{
	if (!w->act.idle)
		return;
	if (!was_idle || committed < w->idle_committed) {
		/* the lowest: PSS also falls as pages merge */
		w->idle_committed = committed;
		return;
	}
	if (committed - w->idle_committed <= total / KSM_TUNE_WAKE_GROWTH)
		return;
	work->woke_growth = committed - w->idle_committed;
	/* as a merge would: KSM_PACE_IDLE_SCANS full scans at full pace */
	w->act.idle = false;
	w->act.quiet_since = r->full_scans;
}

void ksm_tune_watch_step(struct ksm_tune_watch *w,
			 const struct ksm_pace_reading *r, bool has_cpu,
			 unsigned long long committed, unsigned long long total,
			 struct ksm_tune_work *work)
{
	bool was_idle = w->act.idle;

	memset(work, 0, sizeof(*work));
	if (!r->running || !w->have_last || !w->last.running) {
		/* ksmd stopped, or nothing to compare with: start over */
		memset(&w->act, 0, sizeof(w->act));
		w->seen_merge = false;
		work->activity = TUNE_ACT_UNKNOWN;
	} else {
		if (has_cpu && w->last_cpu)
			learn_cost(w, &w->last, r);
		if (ksm_pace_merged(&w->last, r))
			w->seen_merge = true;
		ksm_pace_activity_step(&w->act, &w->last, r);
		wake_on_growth(w, was_idle, r, committed, total, work);
		/*
		 * The tracker counts its start as a merge: until a real one,
		 * and before KSM_PACE_IDLE_SCANS full scans, nothing is known.
		 */
		if (w->act.idle)
			work->activity = TUNE_ACT_IDLE;
		else if (w->seen_merge || work->woke_growth)
			work->activity = TUNE_ACT_WORKING;
		else
			work->activity = TUNE_ACT_UNKNOWN;
		if (r->full_scans >= w->act.quiet_since)
			work->quiet_scans = r->full_scans - w->act.quiet_since;
	}
	work->cost_ns = w->cost_ns;
	work->cost_measured = w->cost_measured;
	w->last = *r;
	w->last_cpu = has_cpu;
	w->have_last = true;
}

unsigned long long ksm_tune_idle_sleep(unsigned long long npages,
				       double cost_ns,
				       unsigned long long floor_ms)
{
	const double f = KSM_PACE_IDLE_SHARE;
	double ms;

	if (!(cost_ns > 0))
		cost_ns = KSM_GOV_DEFAULT_COST_NS;
	/* share f = scan / (scan + sleep), so sleep = scan (1 - f) / f */
	ms = ceil((double)npages * cost_ns * (1 - f) / f / 1e6);
	if (ms > KSM_GOV_SLEEP_MAX_MS)
		ms = KSM_GOV_SLEEP_MAX_MS;
	return (unsigned long long)ms < floor_ms ? floor_ms :
	       (unsigned long long)ms;
}

/* ---- restore at exit ---------------------------------------------------- */

/* May the restore put knob id back?  Not when someone changed it since. */
static bool ours(const struct ksm_tune_state *st, const struct ksm_sample *now,
		 enum ksm_knob_id id, char *note, size_t size)
{
	const struct ksm_knob *k = &ksm_knobs[id];
	char shown[64];

	if (!st->owned[id])
		return false;
	if (!st->wanted[id] ||
	    ksm_value_equal(k, &now->v[id], &st->desired[id]))
		return true;
	ksm_knob_format(k, &now->v[id], shown, sizeof(shown));
	appendf(note, size, "%s%s left at %s: changed outside the tuner",
		*note ? "; " : "", k->name, shown);
	return false;
}

int ksm_tune_restore_plan(const struct ksm_tune_state *st,
			  const struct ksm_sample *now,
			  struct ksm_tune_write *w, int max, char *note,
			  size_t size)
{
	/* advisor_mode before pages_to_scan: the mode decides who owns it */
	static const enum ksm_knob_id order[] = {
		KSM_RUN, KSM_ADVISOR_MODE, KSM_ADVISOR_MAX_CPU,
		KSM_SLEEP_MILLISECS, KSM_PAGES_TO_SCAN,
	};
	unsigned long long mode_after = ksm_u(now, KSM_ADVISOR_MODE);
	int n = 0;

	note[0] = '\0';
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum ksm_knob_id id = order[i];
		struct ksm_value to = st->start[id];
		bool restore;

		if (now->v[id].err || to.err)
			continue;
		if (id == KSM_RUN && to.u == 2)
			to.u = to.s = 0;	/* the same stopped state */
		if (id == KSM_PAGES_TO_SCAN && mode_after != 0)
			continue;		/* the advisor owns it */
		/*
		 * Switching the advisor off resets pages_to_scan to 100:
		 * after the tuner switched the mode, put it back too.
		 */
		if (id == KSM_PAGES_TO_SCAN &&
		    st->owned[KSM_ADVISOR_MODE])
			restore = true;
		else
			restore = ours(st, now, id, note, size);
		if (!restore || ksm_value_equal(&ksm_knobs[id], &now->v[id], &to))
			continue;
		if (id == KSM_ADVISOR_MODE)
			mode_after = to.u;
		if (n < max) {
			w[n].id = id;
			w[n].from = now->v[id];
			w[n].to = to;
			n++;
		}
	}
	return n;
}
