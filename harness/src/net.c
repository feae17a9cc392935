/* net.c: the benchmark network of one run, inside network namespaces the
 * harness creates (design "Networks that benchmarks and tests use"):
 *   ns  "ukb<pid>n<seq>": lo, bridge br0 10.77.0.1/24, and either a tap (VMs,
 *        opened by QEMU started inside the namespace) or a veth pair whose
 *        other end eth0 10.77.0.2/24 lives in a second namespace (containers).
 * iproute2 is run by fork/exec without a shell. nt_setup() registers the
 * teardown (ip netns del) for Ctrl-C; nt_teardown() runs it. nt_enter() and
 * nt_leave() move this (single-threaded) process in and out with setns(2), so
 * probes and load generators run inside and nothing routes to the host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ukb.h"

static int host_ns = -1;	/* our original network namespace */
static int entered;		/* nt_enter() moved us out of it */

static int host_ns_left(void)
{
	int was = entered;

	entered = 0;
	return was;
}
const uint8_t nt_guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static int ip(char *why, size_t n, const char *a0, ...)
	__attribute__((sentinel));
static int ip(char *why, size_t n, const char *a0, ...)
{
	char *argv[24], out[200];
	va_list ap;
	int k = 0, st;

	argv[k++] = "ip";
	argv[k++] = (char *)a0;
	va_start(ap, a0);
	while (k < 23 && (argv[k] = va_arg(ap, char *)))
		k++;
	va_end(ap);
	argv[k] = NULL;
	st = ut_capture(argv, out, sizeof out, 10000);
	if (st != 0) {
		int c = snprintf(why, n, "ip");

		for (int i = 1; i < k && c > 0 && (size_t)c < n; i++)
			c += snprintf(why + c, n - (size_t)c, " %s", argv[i]);
		if (c > 0 && (size_t)c < n)
			snprintf(why + c, n - (size_t)c, " failed (status %d): %s", st, out);
		return -1;
	}
	return 0;
}

static void nt_cleanup(void *arg)
{
	struct nt_net *net = arg;
	char why[UKB_WHY];

	if (net->cns[0])
		ip(why, sizeof why, "netns", "del", net->cns, NULL);
	if (net->ns[0])
		ip(why, sizeof why, "netns", "del", net->ns, NULL);
	net->ns[0] = net->cns[0] = '\0';
}

/* A free TCP port on 127.0.0.1 for QEMU's hostfwd (user networking). */
static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* Not root (or UKBENCH_NET=user): no namespace; VMs use QEMU user networking
 * with a hostfwd from 127.0.0.1:<free port>, native servers that port. */
static int user_setup(struct nt_net *net, int kind, char *why, size_t n)
{
	if (kind == NT_VETH) {
		snprintf(why, n, "container servers need root (a veth pair in a network namespace)");
		return -1;
	}
	net->kind = NT_USER;
	net->active = 1;
	net->port = free_port();
	snprintf(net->addr, sizeof net->addr, "127.0.0.1");
	if (net->port <= 0) {
		snprintf(why, n, "no free TCP port on 127.0.0.1");
		return -1;
	}
	return 0;
}

const char *nt_guest_cmdline(const struct nt_net *net)
{
	if (!net->active || net->kind == NT_NONE)
		return "";
	if (net->kind == NT_USER)	/* QEMU's user-mode network: 10.0.2.0/24 */
		return "ip=10.0.2.15/24 gw=10.0.2.2 ";
	return "ip=" NT_GUEST_IP "/24 gw=" NT_HOST_IP " ";
}

int nt_setup(struct nt_net *net, int kind, char *why, size_t n)
{
	static int seq;
	const char *ns, *mode = getenv("UKBENCH_NET");

	memset(net, 0, sizeof *net);
	net->cleanup_id = -1;
	net->pkt = -1;
	net->kind = kind;
	if (geteuid() != 0 || (mode && !strcmp(mode, "user")))
		return user_setup(net, kind, why, n);
	net->active = 1;
	if (!ut_have_tool("ip")) {
		snprintf(why, n, "ip (iproute2) not found: network workloads need it");
		return -1;
	}
	seq++;
	snprintf(net->ns, sizeof net->ns, "ukb%dn%d", (int)getpid(), seq);
	ns = net->ns;
	/* registered first: an `ip netns add` cut short by Ctrl-C may still
	 * have made the namespace (deleting an absent one is harmless) */
	net->cleanup_id = pr_cleanup_push(nt_cleanup, net);
	if (ip(why, n, "netns", "add", ns, NULL) ||
	    ip(why, n, "-n", ns, "link", "set", "lo", "up", NULL) ||
	    ip(why, n, "-n", ns, "link", "add", "br0", "type", "bridge", NULL) ||
	    ip(why, n, "-n", ns, "addr", "add", NT_HOST_IP "/24", "dev", "br0", NULL) ||
	    ip(why, n, "-n", ns, "link", "set", "br0", "up", NULL))
		goto err;
	snprintf(net->addr, sizeof net->addr, "%s", NT_GUEST_IP);
	if (kind == NT_TAP) {
		if (ip(why, n, "-n", ns, "tuntap", "add", "dev", "tap0", "mode", "tap", NULL) ||
		    ip(why, n, "-n", ns, "link", "set", "tap0", "master", "br0", NULL) ||
		    ip(why, n, "-n", ns, "link", "set", "tap0", "up", NULL))
			goto err;
		net->pkt = nt_frame_socket(net);	/* optional: no cross-check without it */
	} else if (kind == NT_VETH) {
		snprintf(net->cns, sizeof net->cns, "%sc", ns);	/* removed by nt_cleanup too */
		if (ip(why, n, "netns", "add", net->cns, NULL))
			goto err;
		if (ip(why, n, "-n", ns, "link", "add", "veth0", "type", "veth", "peer", "name",
		       "eth0", "netns", net->cns, NULL) ||
		    ip(why, n, "-n", ns, "link", "set", "veth0", "master", "br0", NULL) ||
		    ip(why, n, "-n", ns, "link", "set", "veth0", "up", NULL) ||
		    ip(why, n, "-n", net->cns, "addr", "add", NT_GUEST_IP "/24", "dev", "eth0", NULL) ||
		    ip(why, n, "-n", net->cns, "link", "set", "eth0", "up", NULL) ||
		    ip(why, n, "-n", net->cns, "link", "set", "lo", "up", NULL))
			goto err;
	} else {
		snprintf(net->addr, sizeof net->addr, "127.0.0.1");	/* native: in the ns itself */
	}
	return 0;
err:
	nt_teardown(net);
	return -1;
}

/* A packet socket on br0 (lo for native servers, which have no bridge),
 * inside the namespace, with kernel receive timestamps: the cross-check of
 * boot time by the guest's first frame, and the frames of the pcap traces. */
int nt_frame_socket(struct nt_net *net)
{
	int fd = -1, one = 1;
	unsigned idx;

	if (!net->ns[0] || nt_enter(net) != 0)
		return -1;
	idx = if_nametoindex(net->kind == NT_TAP || net->kind == NT_VETH ? "br0" : "lo");
	if (idx)
		fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	nt_leave();
	if (fd < 0)
		return -1;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = (int)idx };

	if (bind(fd, (struct sockaddr *)&sll, sizeof sll) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads the frames queued so far; the monotonic time of the first one sent
 * from `mac`, or 0 if none yet. */
uint64_t nt_first_frame(struct nt_net *net, const uint8_t mac[6])
{
	unsigned char frame[64];
	char ctl[256];

	if (net->cap)	/* the capture thread reads the socket: the same frames */
		return net->t_first_frame = pc_first_frame(net->cap, mac);
	while (net->pkt >= 0 && !net->t_first_frame) {
		struct iovec iov = { frame, sizeof frame };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
				    .msg_controllen = sizeof ctl };
		ssize_t k = recvmsg(net->pkt, &m, MSG_TRUNC);

		if (k < 0)
			break;
		if (k < 14 || memcmp(frame + 6, mac, 6))
			continue;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
				struct timespec ts, rt;
				uint64_t mono = ut_now_ns();

				memcpy(&ts, CMSG_DATA(c), sizeof ts);
				clock_gettime(CLOCK_REALTIME, &rt);
				int64_t age = ((int64_t)rt.tv_sec - ts.tv_sec) * 1000000000ll +
					      (rt.tv_nsec - ts.tv_nsec);

				net->t_first_frame = mono - (uint64_t)(age > 0 ? age : 0);
			}
		if (!net->t_first_frame)
			net->t_first_frame = ut_now_ns();
	}
	return net->t_first_frame;
}

void nt_teardown(struct nt_net *net)
{
	net->active = 0;
	pc_stop(net);
	if (net->pkt >= 0)
		close(net->pkt);
	net->pkt = -1;
	if (net->cleanup_id >= 0)
		pr_cleanup_pop(net->cleanup_id);
	net->cleanup_id = -1;
	net->ns[0] = net->cns[0] = '\0';
}

int nt_enter(const struct nt_net *net)
{
	char path[128];
	int fd, rc;

	if (!net->ns[0])	/* user networking: the host's namespace */
		return 0;
	if (host_ns < 0)
		host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof path, "/var/run/netns/%s", net->ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || host_ns < 0)
		return -1;
	rc = setns(fd, CLONE_NEWNET);
	close(fd);
	entered = rc == 0;
	return rc;
}

void nt_leave(void)
{
	if (host_ns >= 0 && host_ns_left())
		setns(host_ns, CLONE_NEWNET);
}

/* Non-blocking connect to addr:port within the deadline; fd or -1. */
int nt_connect(const char *addr, int port, uint64_t deadline)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1, err;
	socklen_t len = sizeof err;

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, addr, &sa.sin_addr);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS)
		goto err;
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	uint64_t now = ut_now_ns();

	if (now >= deadline || pr_poll(&p, 1, (int)((deadline - now) / 1000000ull) + 1) != 1)
		goto err;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err)
		goto err;
	return fd;
err:
	close(fd);
	return -1;
}

/* Send req, read until the reply starts with want (or the deadline). */
int nt_request(int fd, const char *req, const char *want, uint64_t deadline)
{
	char buf[256];
	size_t got = 0, need = strlen(want);

	if (req[0] && send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
		return -1;
	while (got < need) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now = ut_now_ns();
		ssize_t k;

		if (now >= deadline || pr_poll(&p, 1, (int)((deadline - now) / 1000000ull) + 1) != 1)
			return -1;
		k = recv(fd, buf + got, sizeof buf - 1 - got, 0);
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return memcmp(buf, want, need) == 0 ? 0 : -1;
}

static int pid_dead(long pid)
{
	return pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* What a ukbench that was killed (SIGKILL, power loss) left behind: network
 * namespaces ukb<pid>n<k>[c], runc containers ukb-<pid>-<k> and temp dirs
 * /tmp/ukbench.<pid>.* whose <pid> no longer runs. Names follow our own
 * scheme, so nothing else is touched. Returns how many were removed. */
int nt_sweep_stale(void)
{
	char *ls[] = { "ip", "netns", "list", NULL }, *rl[] = { "runc", "list", "-q", NULL };
	struct pr_child c;
	char why[UKB_WHY];
	int removed = 0;

	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1 && !ut_have_tool("runc"))
			break;
		if (pr_spawn(&c, pass ? rl : ls, 0, why, sizeof why) != 0)
			continue;
		if (pr_read(&c, ut_now_ns() + 5000000000ull, NULL, NULL) == PR_EOF)
			pr_wait(&c, ut_now_ns() + 1000000000ull);
		for (char *line = c.out.p, *next; line && *line; line = next) {
			long pid = -1, k;
			char name[64], tail = 0;

			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			if (sscanf(line, "%63s", name) != 1)
				continue;
			if (pass == 0 && sscanf(name, "ukb%ldn%ld%c", &pid, &k, &tail) >= 2 &&
			    (tail == 0 || tail == 'c') && pid_dead(pid))
				removed += ip(why, sizeof why, "netns", "del", name, NULL) == 0;
			if (pass == 1 && sscanf(name, "ukb-%ld-%ld", &pid, &k) == 2 && pid_dead(pid)) {
				char *del[] = { "runc", "delete", "-f", name, NULL }, out[64];

				removed += ut_capture(del, out, sizeof out, 10000) == 0;
			}
		}
		pr_kill(&c);
	}
	DIR *d = opendir("/tmp");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		long pid;
		char path[300], f[400];

		if (sscanf(e->d_name, "ukbench.%ld.", &pid) != 1 || !pid_dead(pid))
			continue;
		snprintf(path, sizeof path, "/tmp/%s", e->d_name);
		snprintf(f, sizeof f, "%s/qmp.sock", path);
		unlink(f);
		snprintf(f, sizeof f, "%s/config.json", path);
		unlink(f);
		removed += rmdir(path) == 0;
	}
	if (d)
		closedir(d);
	return removed;
}
