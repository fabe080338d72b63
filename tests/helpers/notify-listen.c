// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * notify-listen SOCKET FILE: play systemd's side of sd_notify(3) for the
 * tests.  Binds an AF_UNIX datagram socket (a path, or "@name" for an
 * abstract one), then appends every message it receives to FILE, one
 * assignment per line, until SIGTERM.  Prints "ready" on stdout once the
 * socket is bound, so the caller knows when to start the daemon.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	size_t len;
	FILE *out;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: notify-listen SOCKET FILE\n");
		return 2;
	}
	len = strlen(argv[1]);
	if (len < 2 || len > sizeof(sa.sun_path)) {
		fprintf(stderr, "notify-listen: bad socket name\n");
		return 2;
	}
	memcpy(sa.sun_path, argv[1], len);
	if (argv[1][0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa,
			   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0) {
		fprintf(stderr, "notify-listen: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	out = fopen(argv[2], "a");
	if (!out) {
		fprintf(stderr, "notify-listen: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "notify-listen: recv: %s\n", strerror(errno));
			return 1;
		}
		buf[n] = '\0';
		/* one message may hold several NAME=VALUE lines */
		fprintf(out, "%s%s", buf, n && buf[n - 1] == '\n' ? "" : "\n");
		fflush(out);
	}
}
