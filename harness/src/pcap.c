/* pcap.c: packet traces of one server run. pc_start() opens (or reuses) the
 * run's packet socket (net.c: br0 for VMs and containers, lo for native
 * servers) and starts a thread that reads it until pc_stop():
 *   recvmsg -> SO_TIMESTAMPNS (kernel, realtime) -> pcap_dump into
 *   "<path>.tmp" (libpcap, pcap_open_dead, nanosecond savefile) -> rename.
 * The same loop sees the guest's first frame, so first_frame keeps coming
 * from these frames (pc_first_frame). The thread only reads its socket and
 * writes its file; it never touches the harness's other state.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>
#include <sys/socket.h>

#include "ukb.h"

#define PC_SNAP 65536	/* bytes kept of a frame (GSO frames on the bridge reach 64 KiB) */

struct pc_cap {
	pthread_t thread;
	int fd, wake[2];	/* the packet socket; a pipe that ends the thread */
	int lo;			/* on lo every frame is seen twice: outgoing copies skipped */
	int mode;
	pcap_t *dead;
	pcap_dumper_t *dump;
	char path[UKB_PATH], tmp[UKB_PATH + 8];
	uint64_t bytes;		/* the file's size so far */
	int full;		/* head reached: nothing more is written */
	uint64_t first_frame;	/* monotonic ns of the guest's first frame (atomic) */
	uint8_t mac[6];
};

int pc_parse_mode(const char *s)
{
	return !strcmp(s, "off") ? PC_OFF : !strcmp(s, "head") ? PC_HEAD :
	       !strcmp(s, "full") ? PC_FULL : -1;
}

const char *pc_mode_name(int mode)
{
	return mode == PC_OFF ? "off" : mode == PC_FULL ? "full" : "head";
}

/* The kernel drops every frame for this socket from now on (BPF "ret #0"). */
static void drop_all(int fd)
{
	struct sock_filter code[] = { { BPF_RET | BPF_K, 0, 0, 0 } };
	struct sock_fprog prog = { .len = 1, .filter = code };

	setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
}

static void one_frame(struct pc_cap *c, const uint8_t *buf, size_t caplen, size_t len,
		      const struct timespec *ts)
{
	struct pcap_pkthdr h;
	uint64_t rec = sizeof(uint32_t) * 4 + caplen;	/* a savefile record */

	if (len >= 12 && !__atomic_load_n(&c->first_frame, __ATOMIC_ACQUIRE) &&
	    !memcmp(buf + 6, c->mac, 6)) {
		struct timespec rt;
		uint64_t mono = ut_now_ns();

		clock_gettime(CLOCK_REALTIME, &rt);
		int64_t age = ((int64_t)rt.tv_sec - ts->tv_sec) * 1000000000ll +
			      (rt.tv_nsec - ts->tv_nsec);

		__atomic_store_n(&c->first_frame, mono - (uint64_t)(age > 0 ? age : 0),
				 __ATOMIC_RELEASE);
	}
	if (c->full)
		return;
	if (c->mode == PC_HEAD && c->bytes + rec > PC_HEAD_BYTES) {
		c->full = 1;
		return;
	}
	h.ts.tv_sec = ts->tv_sec;
	h.ts.tv_usec = ts->tv_nsec;	/* nanosecond savefile: tv_usec holds ns */
	h.caplen = (bpf_u_int32)caplen;
	h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)c->dump, &h, buf);
	c->bytes += rec;
}

static void *capture(void *arg)
{
	struct pc_cap *c = arg;
	uint8_t *buf = malloc(PC_SNAP);
	char ctl[256];

	while (buf) {
		struct pollfd p[2] = { { .fd = c->fd, .events = POLLIN },
				       { .fd = c->wake[0], .events = POLLIN } };

		/* head reached and the first frame seen: nothing left to read for */
		if (c->full && (c->lo || __atomic_load_n(&c->first_frame, __ATOMIC_ACQUIRE))) {
			drop_all(c->fd);
			p[0].fd = -1;
		}
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		for (int burst = 0; burst < 256 && p[0].revents; burst++) {
			struct sockaddr_ll from;
			struct iovec iov = { buf, PC_SNAP };
			struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof from,
					    .msg_iov = &iov, .msg_iovlen = 1,
					    .msg_control = ctl, .msg_controllen = sizeof ctl };
			struct timespec ts = { 0, 0 };
			ssize_t k = recvmsg(c->fd, &m, MSG_TRUNC | MSG_DONTWAIT);

			if (k < 0)
				break;
			if (c->lo && from.sll_pkttype == PACKET_OUTGOING)
				continue;
			for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h))
				if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SO_TIMESTAMPNS)
					memcpy(&ts, CMSG_DATA(h), sizeof ts);
			if (!ts.tv_sec)
				clock_gettime(CLOCK_REALTIME, &ts);
			one_frame(c, buf, (size_t)k < PC_SNAP ? (size_t)k : PC_SNAP, (size_t)k, &ts);
		}
	}
	free(buf);
	return NULL;
}

int pc_start(struct nt_net *net, const char *path, int mode, char *why, size_t n)
{
	struct pc_cap *c;

	if (mode == PC_OFF || net->cap)
		return 0;
	if (net->pkt < 0)
		net->pkt = nt_frame_socket(net);
	if (net->pkt < 0) {
		snprintf(why, n, "no packet socket in the run's namespace (%s)",
			 net->ns[0] ? strerror(errno) : "user networking has none");
		return -1;
	}
	c = calloc(1, sizeof *c);
	if (!c || pipe2(c->wake, O_CLOEXEC) != 0) {
		snprintf(why, n, "pcap: %s", strerror(errno));
		free(c);
		return -1;
	}
	c->fd = net->pkt;
	c->lo = net->kind != NT_TAP && net->kind != NT_VETH;
	c->mode = mode;
	memcpy(c->mac, nt_guest_mac, 6);
	ut_strlcpy(c->path, path, sizeof c->path);
	snprintf(c->tmp, sizeof c->tmp, "%s.tmp", path);
	c->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, PC_SNAP,
							PCAP_TSTAMP_PRECISION_NANO);
	c->dump = c->dead ? pcap_dump_open(c->dead, c->tmp) : NULL;
	if (!c->dump) {
		snprintf(why, n, "pcap: cannot write %s: %s", c->tmp,
			 c->dead ? pcap_geterr(c->dead) : "pcap_open_dead failed");
		goto err;
	}
	c->bytes = 24;	/* the savefile header */
	if (pthread_create(&c->thread, NULL, capture, c) != 0) {
		snprintf(why, n, "pcap: cannot start the capture thread");
		pcap_dump_close(c->dump);
		unlink(c->tmp);
		goto err;
	}
	net->cap = c;
	return 0;
err:
	if (c->dead)
		pcap_close(c->dead);
	close(c->wake[0]);
	close(c->wake[1]);
	free(c);
	return -1;
}

uint64_t pc_first_frame(struct pc_cap *c, const uint8_t mac[6])
{
	(void)mac;	/* the thread looks for the guest's MAC, set at pc_start */
	return __atomic_load_n(&c->first_frame, __ATOMIC_ACQUIRE);
}

void pc_stop(struct nt_net *net)
{
	struct pc_cap *c = net->cap;

	if (!c)
		return;
	if (write(c->wake[1], "x", 1) != 1)
		pthread_cancel(c->thread);
	pthread_join(c->thread, NULL);
	net->t_first_frame = c->first_frame;
	pcap_dump_close(c->dump);
	pcap_close(c->dead);
	if (rename(c->tmp, c->path) != 0)
		unlink(c->tmp);
	close(c->wake[0]);
	close(c->wake[1]);
	free(c);
	net->cap = NULL;
}
