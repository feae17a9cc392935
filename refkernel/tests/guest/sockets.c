/* sockets.c — guest test of the socket calls that need no wire: TCP and UDP
 * over the loopback interface (127.0.0.1, one thread and two), AF_UNIX
 * socketpairs (stream and datagram) under epoll with EPOLLRDHUP, the nscd
 * probe's ENOENT, a named AF_UNIX socket, AF_INET6's EAFNOSUPPORT, EPIPE
 * with MSG_NOSIGNAL and with SIGPIPE ignored. Prints "sockets: N checks, F failed"; with "sigpipe" as argv[1] it
 * then writes to a closed socket with SIGPIPE's default action: the process
 * must end with status 141 (128 + SIGPIPE) before printing "survived". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int checks, failed;

#define CHECK(cond, what) do { \
	checks++; \
	if (!(cond)) { \
		failed++; \
		printf("FAIL %s (errno %d)\n", what, errno); \
	} \
} while (0)

static struct sockaddr_in lo(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int listener(int port)
{
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = lo(port);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0, "bind 127.0.0.1");
	CHECK(listen(l, 8) == 0, "listen");
	return l;
}

static void tcp_one_thread(void)
{
	int l = listener(7001);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = lo(7001), peer;
	socklen_t pl = sizeof(peer);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)) == 0, "connect 127.0.0.1");
	int s = accept(l, (struct sockaddr *)&peer, &pl);
	CHECK(s >= 0 && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "accept from 127.0.0.1");
	static char big[200000], in[200000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 13);
	size_t got = 0;
	ssize_t w = write(c, big, sizeof(big));
	CHECK(w > 0, "write 200000 bytes");
	while (got < (size_t)w) {
		ssize_t r = read(s, in + got, sizeof(in) - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	CHECK(got == (size_t)w && !memcmp(in, big, got), "the bytes arrive intact");
	int cork = 1;
	CHECK(setsockopt(s, IPPROTO_TCP, TCP_CORK, &cork, sizeof(cork)) == 0, "TCP_CORK on");
	CHECK(write(s, "hi", 2) == 2, "write corked");
	cork = 0;
	CHECK(setsockopt(s, IPPROTO_TCP, TCP_CORK, &cork, sizeof(cork)) == 0, "TCP_CORK off");
	char b[4];
	CHECK(read(c, b, sizeof(b)) == 2 && !memcmp(b, "hi", 2), "the uncorked tail arrives");
	close(c);
	CHECK(read(s, b, sizeof(b)) == 0, "end of stream after close");
	close(s);
	close(l);
	c = socket(AF_INET, SOCK_STREAM, 0);
	a = lo(7999);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == ECONNREFUSED,
	      "connect to a closed port: ECONNREFUSED");
	close(c);
}

static void *client_thread(void *arg)
{
	(void)arg;
	usleep(20000);   /* the main thread is blocked in accept by now */
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = lo(7002);
	if (connect(c, (struct sockaddr *)&a, sizeof(a)) == 0) {
		usleep(20000);   /* and now in read */
		write(c, "from a thread", 13);
	}
	close(c);
	return NULL;
}

static void tcp_two_threads(void)
{
	int l = listener(7002);
	pthread_t t;
	pthread_create(&t, NULL, client_thread, NULL);
	int s = accept(l, NULL, NULL);
	CHECK(s >= 0, "a blocked accept wakes for a loopback connection");
	char b[32] = { 0 };
	CHECK(read(s, b, sizeof(b)) == 13 && !strcmp(b, "from a thread"), "a blocked read wakes for loopback data");
	pthread_join(t, NULL);
	close(s);
	close(l);
}

static void udp(void)
{
	int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in ba = lo(7003), from;
	socklen_t fl = sizeof(from);
	CHECK(bind(b, (struct sockaddr *)&ba, sizeof(ba)) == 0, "udp bind 127.0.0.1");
	CHECK(sendto(a, "dgram", 5, 0, (struct sockaddr *)&ba, sizeof(ba)) == 5, "udp sendto");
	char buf[16];
	CHECK(recvfrom(b, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl) == 5 &&
	      from.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "udp recvfrom 127.0.0.1");
	close(a);
	close(b);
}

static void unix_sockets(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair stream");
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET }, out[2];
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev) == 0, "epoll_ctl a socketpair end");
	CHECK(epoll_wait(ep, out, 2, 0) == 0, "nothing ready yet");
	CHECK(write(sv[1], "abc", 3) == 3, "socketpair write");
	CHECK(epoll_wait(ep, out, 2, 0) == 1 && (out[0].events & EPOLLIN), "EPOLLIN on data");
	int nread = 0;
	CHECK(ioctl(sv[0], FIONREAD, &nread) == 0 && nread == 3, "FIONREAD");
	char b[8];
	CHECK(read(sv[0], b, sizeof(b)) == 3 && !memcmp(b, "abc", 3), "socketpair read");
	close(sv[1]);
	CHECK(epoll_wait(ep, out, 2, 0) == 1 && (out[0].events & (EPOLLRDHUP | EPOLLHUP)) ==
	      (EPOLLRDHUP | EPOLLHUP), "EPOLLRDHUP|EPOLLHUP when the other end closes (nginx's probe)");
	CHECK(read(sv[0], b, sizeof(b)) == 0, "end of stream");
	CHECK(send(sv[0], "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE, "EPIPE with MSG_NOSIGNAL");
	close(sv[0]);
	close(ep);

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair dgram");
	CHECK(send(sv[0], "one", 3, 0) == 3 && send(sv[0], "two!", 4, 0) == 4, "two datagrams");
	CHECK(recv(sv[1], b, sizeof(b), 0) == 3 && recv(sv[1], b, 2, 0) == 2, "datagram boundaries kept");
	close(sv[0]);
	close(sv[1]);

	int u = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_un nscd = { .sun_family = AF_UNIX, .sun_path = "/var/run/nscd/socket" };
	CHECK(connect(u, (struct sockaddr *)&nscd, sizeof(nscd)) == -1 && errno == ENOENT,
	      "glibc's nscd probe: ENOENT");
	close(u);
	struct sockaddr_un name = { .sun_family = AF_UNIX, .sun_path = "/tmp/sockets-test.sock" };
	int l = socket(AF_UNIX, SOCK_STREAM, 0), c = socket(AF_UNIX, SOCK_STREAM, 0);
	mkdir("/tmp", 01777); /* a path name is a socket file: its directory must exist (the guest's root has none) */
	unlink(name.sun_path);
	CHECK(bind(l, (struct sockaddr *)&name, sizeof(name)) == 0 && listen(l, 4) == 0, "bind and listen on a name");
	CHECK(connect(c, (struct sockaddr *)&name, sizeof(name)) == 0, "connect to the name");
	int s = accept(l, NULL, NULL);
	CHECK(s >= 0 && write(c, "named", 5) == 5 && read(s, b, sizeof(b)) == 5, "a named connection carries data");
	close(s);
	close(c);
	close(l);
	unlink(name.sun_path);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	tcp_one_thread();
	tcp_two_threads();
	udp();
	unix_sockets();
	errno = 0;
	CHECK(socket(AF_INET6, SOCK_STREAM, 0) == -1 && errno == EAFNOSUPPORT, "AF_INET6: EAFNOSUPPORT");
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	close(sv[1]);
	signal(SIGPIPE, SIG_IGN);
	CHECK(write(sv[0], "x", 1) == -1 && errno == EPIPE, "EPIPE with SIGPIPE ignored");
	printf("sockets: %d checks, %d failed\n", checks, failed);
	if (argc > 1 && !strcmp(argv[1], "sigpipe")) {
		signal(SIGPIPE, SIG_DFL);
		write(sv[0], "x", 1);
		printf("survived SIGPIPE\n");
	}
	return failed != 0;
}
