// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rooted handle: every path is below the sysroot, reads are whole or
 * refused, writes are one write(2) of the whole value, errors are -errno.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/rootfs.h"
#include "testutil.h"

struct fixture {
	char *dir;
	struct ksm_root *root;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = tu_mkroot();
	tu_write(f->dir, "sys/kernel/mm/ksm/run", "1\n");
	tu_write(f->dir, "proc/meminfo", "MemTotal: 1 kB\n");
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

static void test_open(void **state)
{
	struct fixture *f = *state;
	struct ksm_root *r = NULL;
	char path[PATH_MAX];

	assert_string_equal(ksm_root_path(f->root), f->dir);
	assert_true(ksm_root_fd(f->root) >= 0);
	tu_path(path, sizeof(path), f->dir, "nonexistent");
	assert_int_equal(ksm_root_open(&r, path), -ENOENT);
	assert_null(r);
	tu_path(path, sizeof(path), f->dir, "proc/meminfo");
	assert_int_equal(ksm_root_open(&r, path), -ENOTDIR);
	assert_null(r);
	/* "/" is a root like any other */
	assert_int_equal(ksm_root_open(&r, "/"), 0);
	assert_string_equal(ksm_root_path(r), "/");
	ksm_root_close(r);
	ksm_root_close(NULL);
}

static void test_read(void **state)
{
	struct fixture *f = *state;
	char buf[16];

	assert_int_equal(ksm_root_read(f->root, "sys/kernel/mm/ksm/run", buf,
				       sizeof(buf)), 0);
	assert_string_equal(buf, "1\n");
	/* paths are relative to the root, with or without a leading '/' */
	assert_int_equal(ksm_root_read(f->root, "/proc/meminfo", buf,
				       sizeof(buf)), 0);
	assert_string_equal(buf, "MemTotal: 1 kB\n");
	assert_int_equal(ksm_root_read(f->root, "//sys/kernel/mm/ksm/run", buf,
				       sizeof(buf)), 0);
	assert_string_equal(buf, "1\n");
	/* empty file */
	tu_write(f->dir, "empty", "");
	strcpy(buf, "junk");
	assert_int_equal(ksm_root_read(f->root, "empty", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* errors */
	assert_int_equal(ksm_root_read(f->root, "sys/kernel/mm/ksm/nope", buf,
				       sizeof(buf)), -ENOENT);
	assert_int_equal(ksm_root_read(f->root, "sys", buf, sizeof(buf)),
			 -EISDIR);
	assert_int_equal(ksm_root_read(f->root, "proc/meminfo/x", buf,
				       sizeof(buf)), -ENOTDIR);
	assert_int_equal(ksm_root_read(f->root, "empty", buf, 1), -EINVAL);
	assert_int_equal(ksm_root_read(f->root, "empty", buf, 0), -EINVAL);
}

/* A value that does not fit is refused, never cut short silently. */
static void test_read_sizes(void **state)
{
	struct fixture *f = *state;
	char buf[9];

	memset(buf, 'Z', sizeof(buf));
	tu_write(f->dir, "seven", "1234567");
	assert_int_equal(ksm_root_read(f->root, "seven", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1234567");
	tu_write(f->dir, "eight", "12345678");		/* exactly size - 1 */
	assert_int_equal(ksm_root_read(f->root, "eight", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "12345678");
	tu_write(f->dir, "nine", "123456789");
	assert_int_equal(ksm_root_read(f->root, "nine", buf, sizeof(buf)), -EFBIG);
	assert_int_equal(buf[8], '\0');			/* still a string */
	assert_int_equal(ksm_root_read(f->root, "nine", buf, 2), -EFBIG);
	assert_string_equal(buf, "1");
	/* a big file, read in several read(2)s */
	static char big[100000], back[100001];

	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tu_write(f->dir, "big", big);
	assert_int_equal(ksm_root_read(f->root, "big", back, sizeof(back)), 0);
	assert_string_equal(back, big);
}

static void test_write(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ksm_root_write(f->root, "sys/kernel/mm/ksm/run", "0"), 0);
	assert_string_equal(tu_read(f->dir, "sys/kernel/mm/ksm/run"), "0");
	/* a shorter value leaves no tail of the longer old one */
	tu_write(f->dir, "sys/kernel/mm/ksm/pages_to_scan", "123456\n");
	assert_int_equal(ksm_root_write(f->root, "/sys/kernel/mm/ksm/pages_to_scan",
					"7"), 0);
	assert_string_equal(tu_read(f->dir, "sys/kernel/mm/ksm/pages_to_scan"),
			    "7");
	/* a knob file is never created: a missing knob stays missing */
	assert_int_equal(ksm_root_write(f->root, "sys/kernel/mm/ksm/smart_scan",
					"1"), -ENOENT);
	assert_null(tu_read(f->dir, "sys/kernel/mm/ksm/smart_scan"));
	assert_int_equal(ksm_root_write(f->root, "sys/kernel/mm/ksm", "1"),
			 -EISDIR);
	assert_int_equal(ksm_root_write(f->root, "proc/meminfo/x", "1"),
			 -ENOTDIR);
	/* a device where a knob should be is refused, written or not */
	tu_symlink(f->dir, "full", "/dev/full");
	assert_int_equal(ksm_root_write(f->root, "full", "1"), -EBADFD);
	tu_symlink(f->dir, "null", "/dev/null");
	assert_int_equal(ksm_root_write(f->root, "null", ""), -EBADFD);
	/* an empty write is still one write */
	tu_write(f->dir, "empty", "x");
	assert_int_equal(ksm_root_write(f->root, "empty", ""), 0);
	assert_string_equal(tu_read(f->dir, "empty"), "");
}

/*
 * No read may block, and only regular files are read (sysfs and procfs
 * files are regular): a FIFO, socket, device or directory where a knob,
 * a /proc file or a configuration file should be is refused at once.
 * alarm(): a read that blocks kills the test instead of hanging it.
 */
static void make_fifo(const char *dir, const char *rel)
{
	char path[PATH_MAX];

	tu_path(path, sizeof(path), dir, rel);
	unlink(path);
	if (mkfifo(path, 0644) < 0)
		fail_msg("mkfifo %s: %s", path, strerror(errno));
}

static void test_read_fifo(void **state)
{
	struct fixture *f = *state;
	unsigned long long v = 42;
	char buf[16] = "x";

	alarm(10);
	make_fifo(f->dir, "sys/kernel/mm/ksm/run");
	/* nobody writes: open(2) would wait for a writer */
	assert_int_equal(ksm_root_read(f->root, "sys/kernel/mm/ksm/run", buf,
				       sizeof(buf)), -EBADFD);
	assert_string_equal(buf, "");
	assert_int_equal(ksm_root_read_ull(f->root, "sys/kernel/mm/ksm/run", &v),
			 -EBADFD);
	alarm(0);
}

static void test_read_fifo_writer(void **state)
{
	struct fixture *f = *state;
	char buf[16], path[PATH_MAX];
	int wfd;

	alarm(10);
	make_fifo(f->dir, "proc/meminfo");
	tu_path(path, sizeof(path), f->dir, "proc/meminfo");
	/* a writer holds it open and writes nothing: read(2) would wait */
	wfd = open(path, O_RDWR | O_NONBLOCK);
	assert_true(wfd >= 0);
	assert_int_equal(ksm_root_read(f->root, "proc/meminfo", buf, sizeof(buf)),
			 -EBADFD);
	/* ... or writes something: still not a file */
	assert_int_equal(write(wfd, "1\n", 2), 2);
	assert_int_equal(ksm_read_at(ksm_root_fd(f->root), "proc/meminfo", buf,
				     sizeof(buf), KSM_READ_TEXT, NULL), -EBADFD);
	close(wfd);
	alarm(0);
}

static void test_read_devices(void **state)
{
	struct fixture *f = *state;
	char buf[16];

	alarm(10);
	/* /dev/zero never ends, /dev/null reads as an empty value */
	tu_symlink(f->dir, "sys/kernel/mm/ksm/pages_shared", "/dev/zero");
	assert_int_equal(ksm_root_read(f->root, "sys/kernel/mm/ksm/pages_shared",
				       buf, sizeof(buf)), -EBADFD);
	tu_symlink(f->dir, "sys/kernel/mm/ksm/pages_sharing", "/dev/null");
	assert_int_equal(ksm_root_read(f->root, "sys/kernel/mm/ksm/pages_sharing",
				       buf, sizeof(buf)), -EBADFD);
	/* a directory in a file's place */
	tu_make_dir_instead(f->dir, "sys/kernel/mm/ksm/run");
	assert_int_equal(ksm_root_read(f->root, "sys/kernel/mm/ksm/run", buf,
				       sizeof(buf)), -EISDIR);
	alarm(0);
}

static void test_write_fifo(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];
	int rfd;

	alarm(10);
	make_fifo(f->dir, "sys/kernel/mm/ksm/run");
	/* no reader: open(2) for writing would wait for one */
	assert_int_equal(ksm_root_write(f->root, "sys/kernel/mm/ksm/run", "1"),
			 -ENXIO);
	/* a reader: still refused, nothing written into the pipe */
	tu_path(path, sizeof(path), f->dir, "sys/kernel/mm/ksm/run");
	rfd = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(rfd >= 0);
	assert_int_equal(ksm_root_write(f->root, "sys/kernel/mm/ksm/run", "1"),
			 -EBADFD);
	close(rfd);
	alarm(0);
}

/* The one reader's flags: text files, a prefix, one read(2). */
static void test_read_at_flags(void **state)
{
	struct fixture *f = *state;
	int dfd = ksm_root_fd(f->root);
	char buf[8];
	size_t len = 99;

	tu_write(f->dir, "etc/x.conf", "a=1\n");
	assert_int_equal(ksm_read_at(dfd, "etc/x.conf", buf, sizeof(buf),
				     KSM_READ_TEXT, &len), 0);
	assert_string_equal(buf, "a=1\n");
	assert_int_equal(len, 4);
	/* a NUL inside: not a text file, but the length says what was read */
	{
		char path[PATH_MAX];
		FILE *fp;

		tu_path(path, sizeof(path), f->dir, "etc/bin");
		fp = fopen(path, "w");
		assert_non_null(fp);
		fwrite("a\0b", 1, 3, fp);
		fclose(fp);
	}
	assert_int_equal(ksm_read_at(dfd, "etc/bin", buf, sizeof(buf),
				     KSM_READ_TEXT, &len), -EILSEQ);
	assert_int_equal(len, 3);
	assert_int_equal(ksm_read_at(dfd, "etc/bin", buf, sizeof(buf), 0, &len), 0);
	/* too long: refused, or its start */
	tu_write(f->dir, "long", "0123456789");
	assert_int_equal(ksm_read_at(dfd, "long", buf, sizeof(buf), 0, &len),
			 -EFBIG);
	assert_int_equal(ksm_read_at(dfd, "long", buf, sizeof(buf),
				     KSM_READ_PREFIX, &len), 0);
	assert_string_equal(buf, "0123456");
	assert_int_equal(ksm_read_at(dfd, "missing", buf, sizeof(buf), 0, &len),
			 -ENOENT);
	assert_int_equal(len, 0);
	assert_string_equal(ksm_read_strerror(-EBADFD),
			    "not a regular file (a FIFO, socket or device)");
	assert_string_equal(ksm_read_strerror(-ENOENT), strerror(ENOENT));
	assert_string_equal(ksm_read_strerror(-EISDIR), strerror(EISDIR));
}

static int writable_unprivileged(void *data)
{
	struct fixture *f = data;

	return -ksm_root_writable(f->root, "sys/kernel/mm/ksm/run");
}

static void test_exists_writable(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];

	assert_int_equal(ksm_root_exists(f->root, "sys/kernel/mm/ksm/run"), 0);
	assert_int_equal(ksm_root_exists(f->root, "sys/kernel/mm/ksm"), 0);
	assert_int_equal(ksm_root_exists(f->root, "/sys"), 0);
	assert_int_equal(ksm_root_exists(f->root, ""), 0);	/* the root */
	assert_int_equal(ksm_root_exists(f->root, "/"), 0);
	assert_int_equal(ksm_root_exists(f->root, "sys/kernel/mm/ksm/nope"),
			 -ENOENT);
	assert_int_equal(ksm_root_exists(f->root, "proc/meminfo/x"), -ENOTDIR);
	assert_int_equal(ksm_root_writable(f->root, "sys/kernel/mm/ksm/nope"),
			 -ENOENT);

	/* permission bits, checked as nobody (root could write anyway) */
	tu_path(path, sizeof(path), f->dir, "sys/kernel/mm/ksm/run");
	if (geteuid() == 0 && chown(path, 65534, 65534) < 0)
		fail_msg("chown: %s", strerror(errno));
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(tu_as_nobody(writable_unprivileged, f), 0);
	assert_int_equal(chmod(path, 0444), 0);
	assert_int_equal(tu_as_nobody(writable_unprivileged, f), EACCES);
}

static void test_opendir(void **state)
{
	struct fixture *f = *state;
	struct dirent *de;
	DIR *d;
	bool run = false;
	int n = 0;

	tu_write(f->dir, "sys/kernel/mm/ksm/full_scans", "0\n");
	d = ksm_root_opendir(f->root, "/sys/kernel/mm/ksm");
	assert_non_null(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		run |= !strcmp(de->d_name, "run");
		n++;
	}
	closedir(d);
	assert_true(run);
	assert_int_equal(n, 2);

	errno = 0;
	assert_null(ksm_root_opendir(f->root, "sys/kernel/mm/uksm"));
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_null(ksm_root_opendir(f->root, "proc/meminfo"));
	assert_int_equal(errno, ENOTDIR);
}

static void test_read_ull(void **state)
{
	struct fixture *f = *state;
	unsigned long long v = 0;

	assert_int_equal(ksm_root_read_ull(f->root, "sys/kernel/mm/ksm/run", &v),
			 0);
	assert_int_equal(v, 1);
	tu_write(f->dir, "n", "18446744073709551615\n");
	assert_int_equal(ksm_root_read_ull(f->root, "n", &v), 0);
	assert_true(v == 18446744073709551615ULL);
	tu_write(f->dir, "n", "18446744073709551616\n");
	assert_int_equal(ksm_root_read_ull(f->root, "n", &v), -ERANGE);
	tu_write(f->dir, "n", "-1\n");
	assert_int_equal(ksm_root_read_ull(f->root, "n", &v), -EINVAL);
	tu_write(f->dir, "n", "");
	assert_int_equal(ksm_root_read_ull(f->root, "n", &v), -EINVAL);
	assert_int_equal(ksm_root_read_ull(f->root, "missing", &v), -ENOENT);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open),
		T(test_read),
		T(test_read_sizes),
		T(test_write),
		T(test_read_fifo),
		T(test_read_fifo_writer),
		T(test_read_devices),
		T(test_write_fifo),
		T(test_read_at_flags),
		T(test_exists_writable),
		T(test_opendir),
		T(test_read_ull),
	};

	return cmocka_run_group_tests_name("rootfs", tests, NULL, NULL);
}
