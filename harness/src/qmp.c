/* qmp.c: just enough of the QEMU Machine Protocol to time a VM's start and
 * to tell how it ended: qmp_connect() waits for QEMU's socket, reads the
 * greeting and negotiates capabilities; qmp_cmd() sends one command and waits
 * for its "return"; qmp_events() returns the events (SHUTDOWN with its
 * reason, RESET, ...) seen meanwhile and read until QEMU closes the socket.
 * QMP messages are one JSON object per line. One connection at a time (the
 * launches are sequential): its events are kept here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ukb.h"

static struct ut_buf seen;	/* event lines of the current connection */

/* Read lines until one contains `want`; an "error" reply fails. */
static int qmp_expect(int fd, const char *want, uint64_t deadline, char *why, size_t n)
{
	char line[4096];
	size_t len = 0;

	for (;;) {
		uint64_t now = ut_now_ns();

		if (ukb_interrupted) {
			snprintf(why, n, "interrupted");
			return -1;
		}
		if (now >= deadline) {
			snprintf(why, n, "QMP: no reply within the timeout");
			return -1;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int k = pr_poll(&p, 1, (int)((deadline - now) / 1000000ull) + 1);

		if (k <= 0)
			continue;
		ssize_t got = read(fd, line + len, sizeof line - 1 - len);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			snprintf(why, n, "QMP: connection closed (QEMU exited?)");
			return -2;
		}
		len += (size_t)got;
		line[len] = '\0';
		char *nl;

		while ((nl = strchr(line, '\n'))) {
			*nl = '\0';
			if (strstr(line, "\"error\"")) {
				snprintf(why, n, "QMP error: %.200s", line);
				return -1;
			}
			int hit = strstr(line, want) != NULL;

			if (strstr(line, "\"event\"")) {
				ut_buf_add(&seen, line, strlen(line));
				ut_buf_add(&seen, "\n", 1);
			}

			len -= (size_t)(nl + 1 - line);
			memmove(line, nl + 1, len + 1);
			if (hit) {	/* what came with the reply: events, for qmp_events */
				ut_buf_add(&seen, line, len);
				return 0;
			}
		}
		if (len == sizeof line - 1)
			len = 0;	/* an over-long event: drop it */
	}
}

int qmp_connect(const char *sock, uint64_t deadline, char *why, size_t n)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(sock) >= sizeof sa.sun_path) {
		snprintf(why, n, "QMP socket path too long: %s", sock);
		return -1;
	}
	strcpy(sa.sun_path, sock);
	seen.len = 0;
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			snprintf(why, n, "socket: %s", strerror(errno));
			return -1;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			break;
		close(fd);
		if (ut_now_ns() >= deadline) {
			snprintf(why, n, "QMP socket %s never appeared (QEMU failed to start?)", sock);
			return -1;
		}
		if (pr_sleep_ms(1) != 0) {
			snprintf(why, n, "interrupted");
			return -1;
		}
	}
	if (qmp_expect(fd, "\"QMP\"", deadline, why, n) != 0 ||
	    qmp_cmd(fd, "qmp_capabilities", deadline, why, n) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* 0 on "return"; -2 if QEMU closed the socket after the command was sent
 * (a guest that exits at once can take QEMU down before the reply). */
int qmp_cmd(int fd, const char *cmd, uint64_t deadline, char *why, size_t n)
{
	char msg[256];
	int len = snprintf(msg, sizeof msg, "{\"execute\": \"%s\"}\n", cmd);

	if (write(fd, msg, (size_t)len) != len) {
		snprintf(why, n, "QMP: write failed: %s", strerror(errno));
		return -1;
	}
	return qmp_expect(fd, "\"return\"", deadline, why, n);
}

void qmp_events(int fd, uint64_t deadline, struct ut_buf *out)
{
	char buf[4096];

	if (seen.len)
		ut_buf_add(out, seen.p, seen.len);
	seen.len = 0;
	while (fd >= 0 && ut_now_ns() < deadline && !ukb_interrupted) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int k = pr_poll(&p, 1, (int)((deadline - ut_now_ns()) / 1000000ull) + 1);

		if (k <= 0)
			continue;
		ssize_t got = read(fd, buf, sizeof buf);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;	/* QEMU closed it: everything it said is in */
		ut_buf_add(out, buf, (size_t)got);
	}
}
