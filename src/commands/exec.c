// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl exec: run a command with process-wide merging, as
 * prctl(PR_SET_MEMORY_MERGE) gives it (systemd's MemoryKSM=yes for one
 * command).  Without --verify ksmctl becomes the command (execvp), so
 * its exit status and signals are the command's own.  With --verify
 * ksmctl forks: the child sets the prctl and execs, the parent checks
 * /proc/CHILD/ksm_stat for "ksm_merge_any: yes", says so on stderr, then
 * waits and ends the way the child ended: the same exit status, or
 * killed by the same signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../ksmctl.h"
#include "../lib/escape.h"
#include "../lib/mergeany.h"

/* env(1)'s statuses when the command cannot be run */
#define EXIT_CANNOT_RUN 126
#define EXIT_NOT_FOUND 127

static const struct option exec_opts[] = {
	{ "verify", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int exec_run(struct ksm_ctx *ctx, int argc, char **argv);

const struct ksm_command cmd_exec = {
	.name = "exec",
	.summary = "run a command with process-wide merging (PR_SET_MEMORY_MERGE)",
	.usage =
		"Usage: ksmctl exec [--verify] [--] COMMAND [ARGS...]\n"
		"\n"
		"Mark all anonymous memory of COMMAND mergeable with\n"
		"prctl(PR_SET_MEMORY_MERGE), as systemd's MemoryKSM=yes does for a unit,\n"
		"and run it (found in PATH).  ksmctl becomes COMMAND: its exit status and\n"
		"signals are COMMAND's own.  Needs Linux 6.4; before 6.10 an exec'd\n"
		"process is not merged (ksmctl warns).  Merging memory of different\n"
		"users lets one time the other's writes: see ksmctl(8).\n"
		"\n"
		"Options:\n"
		"      --verify   run COMMAND as a child, check that the kernel reports\n"
		"                 ksm_merge_any: yes for it (Linux 6.15+), say so on stderr,\n"
		"                 and exit as COMMAND does (status, or the same signal)\n"
		"  -h, --help     display this help\n"
		"\n"
		"Exit status: COMMAND's; 3 when the kernel cannot do it, 126 when COMMAND\n"
		"cannot be run, 127 when it is not found.\n",
	.shortopts = "+h",
	.longopts = exec_opts,
	.run = exec_run,
};

static unsigned int kernel_version(struct ksm_ctx *ctx, char *release,
				   size_t size)
{
	char text[128];

	snprintf(release, size, "?");
	if (ksm_root_read(ctx->root, "proc/sys/kernel/osrelease", text,
			  sizeof(text)))
		return 0;
	text[strcspn(text, "\n")] = '\0';
	ksm_escape(text, release, size);
	return ksm_version_parse(text);
}

/*
 * Report what the prctl's result means on this kernel.  Returns 0 to go
 * on (after a warning for kernels before 6.10), else the exit status.
 */
static int prctl_verdict(unsigned int version, const char *release, int err,
			 bool warn)
{
	switch (ksm_exec_verdict(version, err)) {
	case KSM_EXEC_OK:
		return 0;
	case KSM_EXEC_OLD:
		if (!warn)
			return 0;
		ksm_warn("exec: warning: Linux %s: exec'd processes are merged only from Linux 6.10 (before 6.7 exec drops the setting, 6.7 to 6.9 keep it but never register the process with ksmd)",
			 release);
		return 0;
	case KSM_EXEC_UNAVAILABLE:
		if (version && version < KSM_VERSION(6, 4, 0))
			ksm_err("exec: prctl(PR_SET_MEMORY_MERGE): not available on Linux %s: needs Linux 6.4",
				release);
		else
			ksm_err("exec: prctl(PR_SET_MEMORY_MERGE): the kernel refuses it (EINVAL): built without KSM (CONFIG_KSM)?");
		return EXIT_UNAVAILABLE;
	case KSM_EXEC_FAILED:
		break;
	}
	ksm_err("exec: prctl(PR_SET_MEMORY_MERGE): %s", strerror(-err));
	return EXIT_FAIL;
}

static int set_merge(void)
{
	return prctl(KSM_PR_SET_MEMORY_MERGE, 1, 0, 0, 0) < 0 ? -errno : 0;
}

/* PR_GET_MEMORY_MERGE came with PR_SET: ask without changing anything. */
static int probe_merge(void)
{
	return prctl(KSM_PR_GET_MEMORY_MERGE, 0, 0, 0, 0) < 0 ? -errno : 0;
}

static int exec_failed(const char *cmd, int err)
{
	char shown[256];

	ksm_escape(cmd, shown, sizeof(shown));
	ksm_err("exec: %s: cannot run: %s", shown, strerror(err));
	return err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
}

/* ---- --verify ------------------------------------------------------------ */

static volatile sig_atomic_t child_pid;

/* Signals sent to ksmctl are meant for the command: pass them on. */
static void forward(int sig)
{
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

static void forward_signals(void)
{
	static const int sigs[] = { SIGTERM, SIGHUP, SIGUSR1, SIGUSR2,
				    SIGCONT, SIGWINCH, SIGALRM };
	struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	/* the terminal sends these to the whole group, the child included */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
}

/* End as the child ended: its status, or its signal (without a core). */
static int pass_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		struct rlimit no_core = { 0, 0 };
		sigset_t set;

		fflush(NULL);
		setrlimit(RLIMIT_CORE, &no_core);
		signal(sig, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(sig);
		return 128 + sig;	/* a signal that does not kill */
	}
	return EXIT_FAIL;
}

/* A zombie has no memory left to look at. */
static bool exited(struct ksm_ctx *ctx, pid_t pid)
{
	char path[64], text[1024];
	const char *close;

	snprintf(path, sizeof(path), "proc/%ld/stat", (long)pid);
	if (ksm_root_read(ctx->root, path, text, sizeof(text)))
		return true;
	close = strrchr(text, ')');
	return close && (close[2] == 'Z' || close[2] == 'X');
}

static void report_merge_any(struct ksm_ctx *ctx, pid_t pid,
			     const char *release)
{
	enum ksm_tri any = KSM_TRI_UNKNOWN;
	int err = ksm_read_merge_any(ctx->root, pid, &any);

	if (err == -ENODATA && exited(ctx, pid))
		err = -ESRCH;

	if (!err && any == KSM_TRI_YES)
		ksm_warn("exec: pid %ld: ksm_merge_any: yes: process-wide merging is on",
			 (long)pid);
	else if (!err)
		ksm_warn("exec: pid %ld: ksm_merge_any: no: the kernel (Linux %s) dropped the setting at exec",
			 (long)pid, release);
	else if (err == -ESRCH)
		ksm_warn("exec: pid %ld: exited before it could be checked", (long)pid);
	else if (err == -ENODATA)
		ksm_warn("exec: pid %ld: cannot verify: this kernel (Linux %s) does not report ksm_merge_any in /proc/PID/ksm_stat (Linux 6.15)",
			 (long)pid, release);
	else
		ksm_warn("exec: pid %ld: cannot verify: /proc/%ld/ksm_stat: %s",
			 (long)pid, (long)pid, strerror(-err));
}

/*
 * The child tells the parent why it failed through a close-on-exec
 * pipe: nothing arrives when the exec worked.
 */
struct failure {
	char what;		/* 'P': the prctl, 'E': the exec */
	int err;
};

static int verify_run(struct ksm_ctx *ctx, char **cmd, unsigned int version,
		      const char *release)
{
	struct failure f = { 0, 0 };
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		ksm_err("exec: cannot create a pipe: %s", strerror(errno));
		return EXIT_FAIL;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ksm_err("exec: cannot fork: %s", strerror(errno));
		return EXIT_FAIL;
	}
	if (pid == 0) {
		close(fds[0]);
		f.err = -set_merge();
		f.what = 'P';
		if (!f.err) {
			execvp(cmd[0], cmd);
			f.what = 'E';
			f.err = errno;
		}
		if (write(fds[1], &f, sizeof(f)) < 0)
			_exit(EXIT_FAIL);
		_exit(EXIT_FAIL);
	}
	child_pid = pid;
	forward_signals();
	close(fds[1]);
	do
		n = read(fds[0], &f, sizeof(f));
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	if (n == (ssize_t)sizeof(f)) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (f.what == 'P')
			return prctl_verdict(version, release, -f.err, false);
		return exec_failed(cmd[0], f.err);
	}
	report_merge_any(ctx, pid, release);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			ksm_err("exec: waiting for pid %ld: %s", (long)pid,
				strerror(errno));
			return EXIT_FAIL;
		}
	}
	return pass_status(status);
}

static int exec_run(struct ksm_ctx *ctx, int argc, char **argv)
{
	bool verify = false;
	char release[256];
	unsigned int version;
	int c, status;

	while ((c = ksm_getopt(&cmd_exec, argc, argv)) != -1) {
		switch (c) {
		case 'v':
			verify = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return ksm_usage_error(&cmd_exec, "no command given");
	version = kernel_version(ctx, release, sizeof(release));
	/* can this kernel do it?  Say so (and warn) before any exec */
	status = prctl_verdict(version, release, probe_merge(), true);
	if (status)
		return status;
	if (verify)
		return verify_run(ctx, argv + optind, version, release);
	status = prctl_verdict(version, release, set_merge(), false);
	if (status)
		return status;
	fflush(NULL);
	execvp(argv[optind], argv + optind);
	return exec_failed(argv[optind], errno);
}
