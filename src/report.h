/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reporter: one place that puts a change's result (src/lib/change.h)
 * into words, for every writer.  ksm_report() prints it as lines, the
 * commands' way (stdout for what was done, "ksmctl: ..." on stderr for
 * what failed and what is left), or through a writer's own sink (the
 * daemons' log); ksm_report_line() says the same in one line for top's
 * status bar.  ksm_change_cli() is what the commands call: their options
 * become the request, the result becomes words and an exit status.
 */
#ifndef KSMCTL_REPORT_H
#define KSMCTL_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "ksmctl.h"
#include "lib/change.h"

/* Where the lines of a report go; NULL members: stdout and ksm_err(). */
struct ksm_report_sink {
	void (*info)(void *data, const char *line);
	void (*error)(void *data, const char *line);
	void *data;
};

struct ksm_report_opts {
	bool quiet;		/* nothing on stdout when it went well */
	/* before a refusal of the plan or a busy lock: "governor: --follow: " */
	const char *prefix;
	/* after "another ksmctl (pid N) is changing KSM settings; try again" */
	const char *busy_hint;
	const struct ksm_report_sink *sink;
};

/* Say what happened; returns the exit status it means. */
int ksm_report(const struct ksm_ctx *ctx, const struct ksm_change_req *req,
	       const struct ksm_change_result *r, const struct ksm_report_opts *o);

/* The same in one line, for top's status bar. */
void ksm_report_line(const struct ksm_change_req *req,
		     const struct ksm_change_result *r, char *buf, size_t size);

/* The exit status a result means (0, 1, or 3 for what this kernel lacks). */
int ksm_report_status(const struct ksm_change_req *req,
		      const struct ksm_change_result *r);

/* "waiting for ksmctl (pid N) to finish its change...": a hook's waiting. */
void ksm_report_waiting(pid_t holder, void *data);

/*
 * The hooks of a command at a terminal: "waiting for ksmctl (pid N)",
 * the memory estimate as the unmerge starts, its progress bar on a
 * terminal, and SIGINT/SIGTERM/SIGHUP stopping it (req->stop = &ksm_stop).
 */
void ksm_report_cli_hooks(struct ksm_change_hooks *h, struct ksm_change_req *req,
			  bool quiet);

/*
 * What commands call: the writers' options make the request for t (the
 * lock policy from --no-wait, the unmerge policy from --unmerge and
 * unmerge_all); the result is reported; returns the exit status.
 */
int ksm_change_cli(struct ksm_ctx *ctx, const struct ksm_txn *t,
		   const struct ksm_txn_opts *opts);

/* The changes of t in one line: "pages_to_scan 100 -> 1000, run 0 -> 1". */
void ksm_report_changes(const struct ksm_txn *t, char *buf, size_t size);
/* The plan of t, a line a knob ("pages_to_scan: 100 -> 1000"), on stdout. */
void ksm_report_plan(const struct ksm_txn *t, bool dry_run);
/* What a failed apply of t left, on stderr. */
void ksm_report_txn_failure(const struct ksm_txn *t);

/*
 * Read a sample; on a kernel without KSM say so and return
 * EXIT_UNAVAILABLE, on other errors EXIT_FAIL.  0 on success.
 */
int ksm_ctx_sample(const struct ksm_ctx *ctx, struct ksm_sample *s);

/*
 * For the commands that show values (status, get, export): one message
 * for each file of the sample that is there but could not be read or
 * held no value ("/sys/kernel/mm/ksm/run: it holds 'x', not a number");
 * EXIT_FAIL when there was one, else EXIT_OK.  They show such a value
 * as unreadable (JSON null), never as 0.
 */
int ksm_report_bad_values(const struct ksm_sample *s);

#endif
