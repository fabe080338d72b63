// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The writers' lock: one holder at a time across processes, the holder's
 * pid for the message of whoever waits, and no following of a planted
 * symlink.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/lock.h"
#include "testutil.h"

struct fixture {
	char *dir;
	struct ksm_root *root;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = tu_mkroot();
	assert_int_equal(ksm_root_open(&f->root, f->dir), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ksm_root_close(f->root);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void test_take_and_release(void **state)
{
	struct fixture *f = *state;
	struct ksm_lock lock;
	char pid[32];
	struct stat st;
	char path[PATH_MAX];

	/* no run/ yet: made on the way */
	assert_int_equal(ksm_lock_take(f->root, &lock, false, NULL), 0);
	assert_true(lock.fd >= 0);
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	assert_string_equal(tu_read(f->dir, KSM_LOCK_PATH), pid);
	tu_path(path, sizeof(path), f->dir, KSM_LOCK_PATH);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0022, 0);	/* nobody else writes it */

	ksm_lock_release(&lock);
	assert_int_equal(lock.fd, -1);
	/* a stale pid is not left behind */
	assert_string_equal(tu_read(f->dir, KSM_LOCK_PATH), "");
	/* releasing twice is harmless */
	ksm_lock_release(&lock);

	/* and it can be taken again, blocking or not */
	assert_int_equal(ksm_lock_take(f->root, &lock, true, NULL), 0);
	ksm_lock_release(&lock);
	assert_int_equal(ksm_lock_take(f->root, &lock, false, NULL), 0);
	ksm_lock_release(&lock);
}

/* A child holds the lock until told (a byte on a pipe) to let go. */
struct holder {
	pid_t pid;
	int go;		/* write end: release */
};

static struct holder hold_in_child(struct fixture *f, bool as_ksmctl)
{
	int ready[2], go[2];
	struct holder h;
	char c;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	h.pid = fork();
	assert_true(h.pid >= 0);
	if (h.pid == 0) {
		struct ksm_lock lock;

		close(ready[0]);
		close(go[1]);
		if (as_ksmctl) {
			if (ksm_lock_take(f->root, &lock, false, NULL))
				_exit(1);
		} else {
			/* another program: locks, writes no pid */
			char path[PATH_MAX];
			int fd;

			tu_mkdirs(f->dir, "run");
			tu_path(path, sizeof(path), f->dir, KSM_LOCK_PATH);
			fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
			if (fd < 0 || flock(fd, LOCK_EX))
				_exit(1);
		}
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		if (read(go[0], &c, 1) < 0)
			_exit(1);
		if (as_ksmctl)
			ksm_lock_release(&lock);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	h.go = go[1];
	return h;
}

static void let_go(struct holder *h)
{
	int status;

	assert_int_equal(write(h->go, "g", 1), 1);
	close(h->go);
	assert_int_equal(waitpid(h->pid, &status, 0), h->pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_contention(void **state)
{
	struct fixture *f = *state;
	struct holder h = hold_in_child(f, true);
	struct ksm_lock lock;
	pid_t holder = -1;

	assert_int_equal(ksm_lock_take(f->root, &lock, false, &holder),
			 -EWOULDBLOCK);
	assert_int_equal(holder, h.pid);
	assert_int_equal(lock.fd, -1);
	/* holder is optional */
	assert_int_equal(ksm_lock_take(f->root, &lock, false, NULL), -EWOULDBLOCK);
	let_go(&h);
	assert_int_equal(ksm_lock_take(f->root, &lock, false, &holder), 0);
	ksm_lock_release(&lock);
}

static void test_holder_unknown(void **state)
{
	struct fixture *f = *state;
	struct holder h = hold_in_child(f, false);
	struct ksm_lock lock;
	pid_t holder = -1;

	assert_int_equal(ksm_lock_take(f->root, &lock, false, &holder),
			 -EWOULDBLOCK);
	assert_int_equal(holder, 0);
	let_go(&h);
}

/* Two descriptors of one process exclude each other too (flock). */
static void test_same_process(void **state)
{
	struct fixture *f = *state;
	struct ksm_lock a, b;
	pid_t holder = -1;

	assert_int_equal(ksm_lock_take(f->root, &a, false, NULL), 0);
	assert_int_equal(ksm_lock_take(f->root, &b, false, &holder), -EWOULDBLOCK);
	assert_int_equal(holder, getpid());
	ksm_lock_release(&a);
	assert_int_equal(ksm_lock_take(f->root, &b, false, NULL), 0);
	ksm_lock_release(&b);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* wait=true blocks until the holder lets go, then succeeds. */
static void test_wait(void **state)
{
	struct fixture *f = *state;
	struct holder h = hold_in_child(f, true);
	struct ksm_lock lock;
	pid_t releaser;
	double start;

	releaser = fork();
	assert_true(releaser >= 0);
	if (releaser == 0) {
		struct timespec ts = { 0, 300 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		_exit(write(h.go, "g", 1) == 1 ? 0 : 1);
	}
	start = now();
	assert_int_equal(ksm_lock_take(f->root, &lock, true, NULL), 0);
	assert_true(now() - start >= 0.25);
	ksm_lock_release(&lock);
	assert_int_equal(waitpid(releaser, NULL, 0), releaser);
	/* the holder has gone already: reap it, writing nothing more */
	close(h.go);
	assert_int_equal(waitpid(h.pid, NULL, 0), h.pid);
}

static void test_refusals(void **state)
{
	struct fixture *f = *state;
	struct ksm_lock lock;
	char target[PATH_MAX];

	/* a planted symlink is not followed */
	tu_mkdirs(f->dir, "run");
	tu_path(target, sizeof(target), f->dir, "victim");
	tu_write(f->dir, "victim", "precious\n");
	tu_symlink(f->dir, KSM_LOCK_PATH, target);
	assert_int_equal(ksm_lock_take(f->root, &lock, false, NULL), -ELOOP);
	assert_int_equal(lock.fd, -1);
	assert_string_equal(tu_read(f->dir, "victim"), "precious\n");
	tu_unlink(f->dir, KSM_LOCK_PATH);

	/* run is not a directory */
	tu_path(target, sizeof(target), f->dir, "run");
	assert_int_equal(rmdir(target), 0);
	tu_write(f->dir, "run", "");
	assert_int_equal(ksm_lock_take(f->root, &lock, false, NULL), -ENOTDIR);
	assert_int_equal(lock.fd, -1);
	ksm_lock_release(&lock);	/* harmless after a failure */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_take_and_release),
		T(test_contention),
		T(test_holder_unknown),
		T(test_same_process),
		T(test_wait),
		T(test_refusals),
	};

	return cmocka_run_group_tests_name("lock", tests, NULL, NULL);
}
