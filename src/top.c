// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl top's screen: puts the frames src/topview.c lays out on
 * the terminal and reads keys.  Nothing here computes a figure.
 *
 * Each change is drawn once into curses' virtual screen (erase, draw,
 * wnoutrefresh, doupdate), so curses sends the terminal only what
 * changed: no flicker.  The terminal is given back on every way out:
 * q, the end of --iterations, SIGINT/SIGTERM/SIGHUP (a flag the loop
 * sees within 200 ms), a failed refresh (endwin, then the message), and
 * a crash (the saved tty modes and the terminal's reset strings are
 * written from the signal handler, then the previous handler runs).
 */
#include <curses.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "top.h"
#include "lib/escape.h"
#include "lib/units.h"

/* Longest wait for a key: how soon a signal's flag is seen. */
#define KEY_WAIT_MS 200

enum mode {
	MODE_TABLE,
	MODE_HELP,
	MODE_CONFIRM,
	MODE_DELAY,
	MODE_FILTER,	/* typing the filter (/) */
	MODE_DETAIL,	/* one process in detail (Enter) */
};

enum {
	PAIR_WARNING = 1,
	PAIR_NOTICE,
	PAIR_SPARK,
	PAIR_SELECTED,
	PAIR_LOSS,
	PAIR_TITLE,
	PAIR_KEY,
};

struct screen {
	struct top *t;
	bool utf8, color;
	enum mode mode;
	struct top_pending pending;
	char msg[512];
	bool msg_error;
	char input[24];
	size_t input_len;
	struct ksm_frame *frame;
	size_t visible;			/* table rows of the last frame */
	/* the selected row of the last frame: its pid (0: a group) and
	 * its group's name, for Enter */
	int sel_pid;
	char sel_key[256];
	bool have_sel;
	size_t detail_top;		/* first line of the detail shown */
	size_t detail_lines;		/* lines of the last detail */
	char fatal[256];		/* why the loop gave up, if not a refresh */
	bool dirty;
	bool refresh_now;
	struct timespec next_refresh;
};

/* ---- signals and the way back to a sane terminal ------------------------ */

static volatile sig_atomic_t quit_signal;
static volatile sig_atomic_t unmerge_stop;
static struct termios saved_tty;
static bool tty_saved;
static char reset_seq[256];
static size_t reset_len;

static const int quit_signals[] = { SIGINT, SIGTERM, SIGHUP };
static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
static struct sigaction old_quit[3], old_crash[5];

static void on_quit(int sig)
{
	quit_signal = sig;
}

/*
 * Only async-signal-safe calls: put the tty modes back, write the
 * terminal's own reset strings, then let the previous handler (the
 * default, or a sanitizer's report) deal with the crash: the faulting
 * instruction runs again, abort() raises again, and a signal sent with
 * kill(1) is raised once more.
 */
static void on_crash(int sig)
{
	for (size_t i = 0; i < sizeof(crash_signals) / sizeof(int); i++)
		if (crash_signals[i] == sig)
			sigaction(sig, &old_crash[i], NULL);
	if (tty_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	if (reset_len && write(STDOUT_FILENO, reset_seq, reset_len) < 0)
		reset_len = 0;
	/* blocked until we return: then the previous action takes it */
	raise(sig);
}

static void add_reset(const char *cap)
{
	char *s = tigetstr(cap);
	size_t len;

	if (!s || s == (char *)-1)
		return;
	len = strlen(s);
	if (reset_len + len < sizeof(reset_seq)) {
		memcpy(reset_seq + reset_len, s, len);
		reset_len += len;
	}
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_quit };

	/* no SA_RESTART: getch() returns, the loop sees the flag */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(quit_signals) / sizeof(int); i++)
		sigaction(quit_signals[i], &sa, &old_quit[i]);
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < sizeof(crash_signals) / sizeof(int); i++)
		sigaction(crash_signals[i], &sa, &old_crash[i]);
}

static void release_signals(void)
{
	for (size_t i = 0; i < sizeof(quit_signals) / sizeof(int); i++)
		sigaction(quit_signals[i], &old_quit[i], NULL);
	for (size_t i = 0; i < sizeof(crash_signals) / sizeof(int); i++)
		sigaction(crash_signals[i], &old_crash[i], NULL);
}

static bool no_color(void)
{
	const char *v = getenv("NO_COLOR");

	return v && *v;
}

bool top_screen_possible(void)
{
	TERMINAL *saved = cur_term;
	const char *cup, *clear;
	bool ok;
	int err = 0;

	if (setupterm(NULL, STDOUT_FILENO, &err) != OK)
		return false;
	cup = tigetstr("cup");
	clear = tigetstr("clear");
	ok = cup && cup != (char *)-1 && clear && clear != (char *)-1;
	del_curterm(cur_term);
	set_curterm(saved);
	return ok;
}

static int screen_start(struct screen *sc)
{
	if (tcgetattr(STDIN_FILENO, &saved_tty) == 0)
		tty_saved = true;
	if (!newterm(NULL, stdout, stdin))
		return -ENOTTY;
	reset_len = 0;
	add_reset("rmcup");
	add_reset("cnorm");
	add_reset("sgr0");
	catch_signals();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	sc->color = has_colors() && !no_color();
	if (sc->color) {
		start_color();
		use_default_colors();
		init_pair(PAIR_WARNING, COLOR_RED, -1);
		init_pair(PAIR_NOTICE, COLOR_YELLOW, -1);
		init_pair(PAIR_SPARK, COLOR_GREEN, -1);
		init_pair(PAIR_SELECTED, COLOR_BLACK, COLOR_CYAN);
		init_pair(PAIR_LOSS, COLOR_RED, -1);
		init_pair(PAIR_TITLE, COLOR_CYAN, -1);
		init_pair(PAIR_KEY, COLOR_BLACK, COLOR_CYAN);
	}
	return 0;
}

static void screen_stop(void)
{
	curs_set(1);
	endwin();
	release_signals();
	tty_saved = false;
	reset_len = 0;
}

/* ---- drawing --------------------------------------------------------------- */

static attr_t pair(const struct screen *sc, short p, attr_t mono)
{
	return sc->color ? COLOR_PAIR(p) : mono;
}

static attr_t severity_attr(const struct screen *sc, enum ksm_severity sev)
{
	switch (sev) {
	case SEV_WARNING:
		return pair(sc, PAIR_WARNING, 0) | A_BOLD;
	case SEV_NOTICE:
		return pair(sc, PAIR_NOTICE, 0);
	default:
		return A_NORMAL;
	}
}

static void put(int y, int x, const char *s, int bytes, attr_t a)
{
	attrset(a);
	if (y >= 0)
		mvaddnstr(y, x, s, bytes);
	else
		addnstr(s, bytes);
	attrset(A_NORMAL);
}

static void draw_head(const struct screen *sc, const struct ksm_frame *f)
{
	for (int i = 0; i < f->nhead && i < LINES; i++) {
		const struct ksm_fline *l = &f->head[i];

		switch (l->kind) {
		case KSM_FL_TITLE:
			put(i, 0, l->text, -1, pair(sc, PAIR_TITLE, 0) | A_BOLD);
			break;
		case KSM_FL_MEMORY:
			if (l->spark < 0) {
				put(i, 0, l->text, -1, A_NORMAL);
				break;
			}
			put(i, 0, l->text, l->spark, A_NORMAL);
			put(-1, 0, l->text + l->spark, -1, pair(sc, PAIR_SPARK, 0));
			break;
		case KSM_FL_FINDING:
			put(i, 0, l->text, -1, severity_attr(sc, l->sev));
			break;
		default:
			put(i, 0, l->text, -1, A_NORMAL);
		}
	}
}

static void draw_table(const struct screen *sc, const struct ksm_frame *f)
{
	int y = f->nhead;

	if (y < LINES - 1)
		put(y, 0, f->summary, -1, A_BOLD);
	if (++y < LINES - 1) {
		put(y, 0, f->headings, f->sort_off, A_REVERSE);
		put(-1, 0, f->headings + f->sort_off, f->sort_len,
		    A_REVERSE | A_BOLD | A_UNDERLINE);
		put(-1, 0, f->headings + f->sort_off + f->sort_len, -1, A_REVERSE);
	}
	y++;
	for (size_t i = f->top; i < f->nrows && i < f->top + f->visible; i++, y++) {
		attr_t a = A_NORMAL;

		if (i == f->selected)
			a = pair(sc, PAIR_SELECTED, A_REVERSE) | A_BOLD;
		else if (f->rows[i].loss)
			a = pair(sc, PAIR_LOSS, A_NORMAL);
		put(y, 0, ksm_frame_row(f, i), -1, a);
	}
}

/*
 * The one-line key bar: as many keys as the width takes, the most
 * needed kept longest (rank 1), shown in this order.
 */
static const struct ksm_key_hint detail_keys[] = {
	{ "Esc", "back", 1 }, { "Up Down PgUp PgDn", "scroll", 3 },
	{ "q", "quit", 2 },
};

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_KEYS 16

/* The keys of the bar in this mode and view; how many. */
static size_t bar_keys(const struct screen *sc, struct ksm_key_hint *out)
{
	const struct ksm_view *v = &sc->t->view;
	size_t n = 0;

	if (sc->mode == MODE_DETAIL) {
		memcpy(out, detail_keys, sizeof(detail_keys));
		return NKEYS(detail_keys);
	}
	out[n++] = (struct ksm_key_hint){ "Enter", v->by ? "processes" : "detail", 3 };
	out[n++] = (struct ksm_key_hint){ "/", "filter", 4 };
	if (v->filter[0])
		out[n++] = (struct ksm_key_hint){ "Esc", "unfilter", 4 };
	out[n++] = (struct ksm_key_hint){ "s", "sort", 5 };
	out[n++] = (struct ksm_key_hint){ "g", "group", 6 };
	out[n++] = (struct ksm_key_hint){ "p", "pause", 10 };
	out[n++] = (struct ksm_key_hint){ "d", "delay", 11 };
	out[n++] = (struct ksm_key_hint){ "r", "run", 7 };
	out[n++] = (struct ksm_key_hint){ "+-", "pages", 9 };
	out[n++] = (struct ksm_key_hint){ "u", "unmerge", 8 };
	out[n++] = (struct ksm_key_hint){ "h", "help", 2 };
	out[n++] = (struct ksm_key_hint){ "q", "quit", 1 };
	return n;
}

/* The bar on the last line: keys in reverse video, what they do after. */
static void draw_keybar(const struct screen *sc)
{
	struct ksm_key_hint h[MAX_KEYS];
	bool shown[MAX_KEYS], first = true;
	size_t n = bar_keys(sc, h);

	ksm_keybar(h, n, COLS - 1, sc->utf8, shown);
	move(LINES - 1, 0);
	for (size_t i = 0; i < n; i++) {
		if (!shown[i])
			continue;
		if (!first)
			put(-1, 0, "  ", -1, A_NORMAL);
		put(-1, 0, h[i].key, -1, pair(sc, PAIR_KEY, A_REVERSE) | A_BOLD);
		put(-1, 0, " ", -1, A_NORMAL);
		put(-1, 0, h[i].label, -1, A_NORMAL);
		first = false;
	}
}

/* A long message or question takes up to this many lines at the bottom. */
#define STATUS_MAX_LINES 3

/* The bottom text: a question, the delay or filter being typed, a
 * message; NULL for the key bar. */
static const char *status_text(const struct screen *sc, char *buf, size_t size,
			       attr_t *a)
{
	if (sc->mode == MODE_FILTER) {
		char shown[sizeof(sc->t->view.filter) * 4];

		ksm_escape(sc->t->view.filter, shown, sizeof(shown));
		snprintf(buf, size, "Filter by name (Enter to keep, Esc to clear): %s",
			 shown);
		*a = A_BOLD;
		return buf;
	}
	if (sc->mode == MODE_CONFIRM) {
		*a = A_REVERSE | A_BOLD;
		return sc->pending.question;
	}
	if (sc->mode == MODE_DELAY) {
		snprintf(buf, size, "Delay in seconds (now %g, Enter to set, Esc to cancel): %s",
			 sc->t->view.delay, sc->input);
		*a = A_BOLD;
		return buf;
	}
	if (sc->msg[0]) {
		*a = sc->msg_error ? pair(sc, PAIR_WARNING, 0) | A_BOLD : A_BOLD;
		return sc->msg;
	}
	*a = A_NORMAL;
	return NULL;
}

static int status_lines(const struct screen *sc)
{
	char buf[KSM_FRAME_LINE], text_lines[STATUS_MAX_LINES][KSM_FRAME_LINE];
	const char *text;
	attr_t a;

	text = status_text(sc, buf, sizeof(buf), &a);
	if (!text || COLS < 2 || LINES < 2 * STATUS_MAX_LINES)
		return 1;
	return ksm_wrap(text, COLS - 1, 0, sc->utf8, text_lines, STATUS_MAX_LINES);
}

static void draw_status(const struct screen *sc, int n)
{
	char buf[KSM_FRAME_LINE], text_lines[STATUS_MAX_LINES][KSM_FRAME_LINE];
	const char *text;
	attr_t a;

	/* the bottom right cell scrolls some terminals: one column less */
	if (COLS < 2 || LINES < 2)
		return;
	text = status_text(sc, buf, sizeof(buf), &a);
	if (!text) {
		draw_keybar(sc);
		return;
	}
	n = ksm_wrap(text, COLS - 1, 0, sc->utf8, text_lines, n);
	for (int i = 0; i < n; i++)
		put(LINES - n + i, 0, text_lines[i], -1, a);
}

static const char *const help_text[] = {
	"ksmctl top: a live view of Kernel Samepage Merging",
	"",
	"  q            quit                      h ?          this help",
	"  Up Down      move the selection        PgUp PgDn    a page up / down",
	"  Home End     first / last row          space        refresh now, all",
	"  Enter        a process in detail: ksm_stat, mergeable areas, names",
	"               (grouped: the processes of the group)",
	"  / Esc        filter by name (command, user, unit, VM, cgroup) / clear",
	"  s >          sort by the next column   <            the previous column",
	"  g            group: process, cgroup, unit, VM, user, command",
	"  p            pause / resume            d            change the delay",
	"Changes (each asks first; same checks and lock as 'ksmctl set'):",
	"  r            start / stop ksmd (run 1 / 0)",
	"  + -          pages_to_scan up a quarter / down a fifth (refused while",
	"               the advisor sets it: advisor_mode scan-time)",
	"  u            unmerge every page (run 2), when MemAvailable allows",
	"saved = (pages_sharing + ksm_zero_pages) x page size; profit =",
	"general_profit (saved less rmap metadata); ksmd's share of a CPU over",
	"the last refresh.  MERGING ZERO: memory merged / with the zero page;",
	"RMAP: pages tracked; SHARE: part of all merging; VERDICT waste: over 64",
	"rmap items per merged page.  Idle processes are read in turns (each",
	"within a minute), new ones every 10 s; space reads all.  Ctrl-L redraws.",
	"Press any key to return.",
};

static void draw_help(const struct screen *sc)
{
	char fitted[KSM_FRAME_LINE];
	int n = (int)(sizeof(help_text) / sizeof(help_text[0]));

	for (int i = 0; i < n && i < LINES; i++) {
		ksm_fit(help_text[i], COLS, false, sc->utf8, fitted, sizeof(fitted));
		put(i, 0, fitted, -1, i == 0 ? A_BOLD : A_NORMAL);
	}
}

/* What Enter acts on: the selected row of the frame on screen. */
static void keep_selection(struct screen *sc, const struct ksm_frame *f)
{
	const struct ksm_frow *r;

	sc->have_sel = f->nrows > 0;
	if (!sc->have_sel)
		return;
	r = &f->rows[f->selected];
	sc->sel_pid = r->pid;
	snprintf(sc->sel_key, sizeof(sc->sel_key), "%s",
		 r->pid ? "" : ksm_procs_str(&sc->t->procs, r->key));
}

/* One process in detail, scrolled, with the key bar below. */
static int draw_detail(struct screen *sc)
{
	struct ksm_detail_input in;
	struct ksm_procstat system;
	struct ksm_lines text;	/* not "lines": term.h has that name */
	size_t room = LINES > 1 ? (size_t)LINES - 1 : 0;
	char fitted[KSM_FRAME_LINE];
	int err;

	top_detail_input(sc->t, sc->utf8, COLS, &system, &in);
	err = ksm_detail_compute(&in, &text);
	if (err)
		return err;
	sc->detail_lines = text.n;
	if (sc->detail_top + room > text.n)
		sc->detail_top = text.n > room ? text.n - room : 0;
	for (size_t i = sc->detail_top; i < text.n && i - sc->detail_top < room; i++) {
		ksm_fit(ksm_line(&text, i), COLS, false, sc->utf8, fitted,
			sizeof(fitted));
		put((int)(i - sc->detail_top), 0, fitted, -1,
		    i == 0 ? pair(sc, PAIR_TITLE, 0) | A_BOLD : A_NORMAL);
	}
	ksm_lines_free(&text);
	draw_status(sc, 1);
	return 0;
}

/* Compute the frame for this terminal size and put it on the screen. */
static int draw(struct screen *sc)
{
	struct top *t = sc->t;
	struct ksm_frame_input in;
	int err, status;

	erase();
	if (sc->mode == MODE_HELP) {
		draw_help(sc);
	} else if (sc->mode == MODE_DETAIL) {
		err = draw_detail(sc);
		if (err)
			return err;
	} else {
		/* a long message takes table rows, for as long as it is shown */
		status = status_lines(sc);
		top_frame_input(t, sc->utf8, COLS, LINES - status + 1, &in);
		err = ksm_frame_compute(&in, sc->frame);
		if (err)
			return err;
		/* scrolling stays where the frame clamped it */
		t->view.top = sc->frame->top;
		t->view.selected = sc->frame->selected;
		sc->visible = sc->frame->visible;
		keep_selection(sc, sc->frame);
		draw_head(sc, sc->frame);
		draw_table(sc, sc->frame);
		draw_status(sc, status);
		ksm_frame_free(sc->frame);
	}
	wnoutrefresh(stdscr);
	doupdate();
	return 0;
}

/* ---- keys ------------------------------------------------------------------ */

static void message(struct screen *sc, bool error, const char *text)
{
	snprintf(sc->msg, sizeof(sc->msg), "%s", text);
	sc->msg_error = error;
}

struct progress {
	struct screen *sc;
	unsigned long long start;
};

/* Called by ksm_unmerge_run() about ten times a second. */
static void show_progress(const struct ksm_sample *now, double elapsed,
			  void *data)
{
	struct progress *p = data;
	unsigned long long left = ksm_unmerge_remaining(now);
	unsigned long long done = p->start > left ? p->start - left : 0;
	int pct = p->start ? (int)(done * 100 / p->start) : 100;
	char text[256], fitted[KSM_FRAME_LINE], bar[21];
	int ch;

	memset(bar, '#', (size_t)(pct / 5));
	memset(bar + pct / 5, '.', (size_t)(20 - pct / 5));
	bar[20] = '\0';
	snprintf(text, sizeof(text), "unmerging: %llu pages still merged [%s] %d%% %.1fs   c: cancel",
		 left, bar, pct, elapsed);
	move(LINES - 1, 0);
	clrtoeol();
	ksm_fit(text, COLS - 1, false, p->sc->utf8, fitted, sizeof(fitted));
	put(LINES - 1, 0, fitted, -1, A_REVERSE | A_BOLD);
	wnoutrefresh(stdscr);
	doupdate();
	timeout(0);
	ch = getch();
	if (ch == 'c' || ch == 'C' || ch == 'q' || ch == 27 || quit_signal)
		unmerge_stop = 1;
}

static void confirm(struct screen *sc)
{
	struct progress p = { .sc = sc };
	char msg[512];
	int err;

	sc->mode = MODE_TABLE;
	if (sc->pending.act == TOP_ACT_UNMERGE)
		p.start = ksm_unmerge_remaining(&sc->t->sample[sc->t->cur]);
	unmerge_stop = 0;
	err = top_action_apply(sc->t, &sc->pending, show_progress, &p,
			       &unmerge_stop, msg, sizeof(msg));
	message(sc, err != 0, msg);
	sc->refresh_now = true;
}

static void ask(struct screen *sc, enum top_action act)
{
	char msg[512];

	if (top_action_prepare(sc->t, act, &sc->pending, msg, sizeof(msg))) {
		message(sc, true, msg);
		return;
	}
	sc->mode = MODE_CONFIRM;
	sc->msg[0] = '\0';
}

static void set_delay(struct screen *sc)
{
	char *end;
	double secs;

	errno = 0;
	secs = strtod(sc->input, &end);
	if (errno || end == sc->input || *end || !(secs > 0) || secs > 86400) {
		message(sc, true, "delay: expected seconds, more than 0 and at most 86400 (fractions allowed)");
		return;
	}
	sc->t->o.delay_ms = (long)(secs * 1000 + 0.5) ? (long)(secs * 1000 + 0.5) : 1;
	sc->t->view.delay = (double)sc->t->o.delay_ms / 1000;
	sc->refresh_now = true;
	message(sc, false, "delay changed");
}

static void delay_key(struct screen *sc, int ch)
{
	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		sc->mode = MODE_TABLE;
		curs_set(0);
		set_delay(sc);
	} else if (ch == 27) {
		sc->mode = MODE_TABLE;
		curs_set(0);
	} else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && sc->input_len) {
		sc->input[--sc->input_len] = '\0';
	} else if (((ch >= '0' && ch <= '9') || ch == '.') &&
		   sc->input_len + 1 < sizeof(sc->input)) {
		sc->input[sc->input_len++] = (char)ch;
		sc->input[sc->input_len] = '\0';
	}
}

/* The filter as typed: printable ASCII and the bytes of UTF-8 text;
 * Backspace takes a whole character. */
static void filter_edit(struct screen *sc, int ch)
{
	char *f = sc->t->view.filter;
	size_t len = strlen(f);

	if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && len) {
		while (len && ((unsigned char)f[len - 1] & 0xc0) == 0x80)
			len--;	/* continuation bytes */
		f[len ? len - 1 : 0] = '\0';
	} else if (((ch >= 0x20 && ch < 0x7f) || (ch >= 0x80 && ch <= 0xff)) &&
		   len + 1 < sizeof(sc->t->view.filter)) {
		f[len] = (char)ch;
		f[len + 1] = '\0';
	}
	/* the rows change under the selection: start from the top */
	sc->t->view.selected = sc->t->view.top = 0;
}

static void filter_key(struct screen *sc, int ch)
{
	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		sc->mode = MODE_TABLE;
		curs_set(0);
	} else if (ch == 27) {
		sc->t->view.filter[0] = '\0';
		sc->t->view.selected = sc->t->view.top = 0;
		sc->mode = MODE_TABLE;
		curs_set(0);
	} else {
		filter_edit(sc, ch);
	}
}

/* Enter: a process in detail; on a group, the processes of the group
 * (the filter set to its name). */
static void enter_key(struct screen *sc)
{
	struct top *t = sc->t;
	char msg[512];
	int err;

	if (!sc->have_sel)
		return;
	if (!sc->sel_pid) {
		if (!sc->sel_key[0]) {
			message(sc, true, "this group has no name to filter by");
			return;
		}
		/* a longer name is matched by its start */
		snprintf(t->view.filter, sizeof(t->view.filter), "%.*s",
			 (int)sizeof(t->view.filter) - 1, sc->sel_key);
		t->view.by = KSM_BY_NONE;
		t->view.selected = t->view.top = 0;
		return;
	}
	err = top_detail_open(t, sc->sel_pid);
	if (err) {
		snprintf(msg, sizeof(msg), "proc/%d: cannot read: %s", sc->sel_pid,
			 strerror(-err));
		message(sc, true, msg);
		return;
	}
	sc->detail_top = 0;
	sc->mode = MODE_DETAIL;
}

/* Returns false to quit. */
static bool detail_key(struct screen *sc, int ch)
{
	size_t page = LINES > 2 ? (size_t)LINES - 2 : 1;

	switch (ch) {
	case 'q':
	case 'Q':
		return false;
	case 27:
	case '\n':
	case '\r':
	case KEY_ENTER:
	case KEY_LEFT:
	case KEY_BACKSPACE:
	case 127:
		top_detail_close(sc->t);
		sc->mode = MODE_TABLE;
		break;
	case KEY_UP:
	case 'k':
		sc->detail_top -= sc->detail_top > 0;
		break;
	case KEY_DOWN:
	case 'j':
		sc->detail_top++;	/* the drawing clamps the end */
		break;
	case KEY_PPAGE:
		sc->detail_top = sc->detail_top > page ? sc->detail_top - page : 0;
		break;
	case KEY_NPAGE:
		sc->detail_top += page;
		break;
	case KEY_HOME:
		sc->detail_top = 0;
		break;
	case KEY_END:
		sc->detail_top = sc->detail_lines;
		break;
	case ' ':
		sc->refresh_now = true;
		break;
	case 12:	/* Ctrl-L */
		clearok(curscr, TRUE);
		break;
	default:
		break;
	}
	return true;
}

static void move_selection(struct screen *sc, long by)
{
	struct ksm_view *v = &sc->t->view;

	if (by < 0 && (size_t)-by > v->selected)
		v->selected = 0;
	else
		v->selected += (size_t)by;	/* the frame clamps the end */
}

static long page(const struct screen *sc)
{
	return sc->visible > 1 ? (long)sc->visible : 1;
}

/* Returns false to quit. */
static bool table_key(struct screen *sc, int ch)
{
	struct ksm_view *v = &sc->t->view;

	sc->msg[0] = '\0';
	switch (ch) {
	case 'q':
	case 'Q':
		return false;
	case KEY_UP:
	case 'k':
		move_selection(sc, -1);
		break;
	case KEY_DOWN:
	case 'j':
		move_selection(sc, 1);
		break;
	case KEY_PPAGE:
		move_selection(sc, -page(sc));
		break;
	case KEY_NPAGE:
		move_selection(sc, page(sc));
		break;
	case KEY_HOME:
		v->selected = 0;
		break;
	case KEY_END:
		v->selected = (size_t)-1 / 2;
		break;
	case 's':
	case '>':
		v->sort = ksm_view_next_sort(v, 1);
		break;
	case '<':
		v->sort = ksm_view_next_sort(v, -1);
		break;
	case 'g':
		v->by = ksm_view_next_group(v->by);
		v->top = v->selected = 0;
		break;
	case 'p':
		v->paused = !v->paused;
		sc->refresh_now = !v->paused;
		break;
	case ' ':
		/* now, and every process: new ones, and those read in turns */
		sc->refresh_now = true;
		sc->t->relist = true;
		break;
	case 'd':
		sc->mode = MODE_DELAY;
		sc->input[0] = '\0';
		sc->input_len = 0;
		curs_set(1);
		break;
	case 'h':
	case '?':
		sc->mode = MODE_HELP;
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		enter_key(sc);
		break;
	case '/':
		sc->mode = MODE_FILTER;
		curs_set(1);
		break;
	case 27:	/* Esc: the filter goes */
		v->filter[0] = '\0';
		v->top = v->selected = 0;
		break;
	case 'r':
		ask(sc, TOP_ACT_RUN);
		break;
	case '+':
	case '=':
		ask(sc, TOP_ACT_PAGES_UP);
		break;
	case '-':
	case '_':
		ask(sc, TOP_ACT_PAGES_DOWN);
		break;
	case 'u':
		ask(sc, TOP_ACT_UNMERGE);
		break;
	case 12:	/* Ctrl-L */
		clearok(curscr, TRUE);
		break;
	default:
		break;
	}
	return true;
}

/* Returns false to quit. */
static bool key(struct screen *sc, int ch)
{
	sc->dirty = true;
	if (ch == KEY_RESIZE)
		return true;
	switch (sc->mode) {
	case MODE_HELP:
		sc->mode = MODE_TABLE;
		return true;
	case MODE_CONFIRM:
		if (ch == 'y' || ch == 'Y')
			confirm(sc);
		else
			message(sc, false, "cancelled: nothing changed");
		sc->mode = MODE_TABLE;
		return true;
	case MODE_DELAY:
		delay_key(sc, ch);
		return true;
	case MODE_FILTER:
		filter_key(sc, ch);
		return true;
	case MODE_DETAIL:
		return detail_key(sc, ch);
	default:
		return table_key(sc, ch);
	}
}

/* ---- the loop -------------------------------------------------------------- */

static long ms_until(const struct timespec *when)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(ksm_elapsed_ns(&now, when) / 1000000);
}

static void schedule(struct screen *sc)
{
	long ms = sc->t->o.delay_ms;

	clock_gettime(CLOCK_MONOTONIC, &sc->next_refresh);
	sc->next_refresh.tv_sec += ms / 1000;
	sc->next_refresh.tv_nsec += (ms % 1000) * 1000000L;
	if (sc->next_refresh.tv_nsec >= 1000000000L) {
		sc->next_refresh.tv_sec++;
		sc->next_refresh.tv_nsec -= 1000000000L;
	}
}

/* How long to wait for a key: until the next refresh, KEY_WAIT_MS at most. */
static int key_wait(const struct screen *sc)
{
	long ms = sc->t->view.paused ? KEY_WAIT_MS : ms_until(&sc->next_refresh);

	return ms < 0 ? 0 : ms > KEY_WAIT_MS ? KEY_WAIT_MS : (int)ms;
}

/* 0 when quit was asked for; an exit status when a refresh failed. */
static int loop(struct screen *sc)
{
	struct top *t = sc->t;
	int status, ch, err;

	schedule(sc);
	sc->dirty = true;
	while (!quit_signal) {
		bool due = !t->view.paused && ms_until(&sc->next_refresh) <= 0;

		if (due && t->o.iterations && t->refreshes >= t->o.iterations)
			return 0;
		if (due || sc->refresh_now) {
			status = top_refresh(t);
			if (status)
				return status;
			sc->refresh_now = false;
			sc->dirty = true;
			schedule(sc);
		}
		if (sc->dirty) {
			err = draw(sc);
			if (err) {
				snprintf(sc->fatal, sizeof(sc->fatal), "cannot draw: %s",
					 strerror(-err));
				return EXIT_FAIL;
			}
			sc->dirty = false;
		}
		timeout(key_wait(sc));
		ch = getch();
		if (ch != ERR && !key(sc, ch))
			return 0;
	}
	return 0;
}

int top_screen(struct top *t)
{
	struct screen sc = { .t = t };
	int status;

	sc.utf8 = top_utf8_locale();
	sc.frame = malloc(sizeof(*sc.frame));
	if (!sc.frame) {
		ksm_err("top: %s", strerror(ENOMEM));
		return EXIT_FAIL;
	}
	quit_signal = 0;
	if (screen_start(&sc)) {
		const char *term = getenv("TERM");

		ksm_err("top: cannot use the terminal (TERM=%s): use --batch for plain text",
			term ? term : "unset");
		free(sc.frame);
		return EXIT_FAIL;
	}
	status = loop(&sc);
	screen_stop();
	/* the terminal is back: now the reason can be read */
	if (status && sc.fatal[0])
		ksm_err("top: %s", sc.fatal);
	else if (status)
		ksm_err("%s", top_error());
	free(sc.frame);
	return status;
}
