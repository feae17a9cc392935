/* netbusy: a compute-bound thread beside a TCP echo server on port 7, for
 * net=inline against net=thread (tests/guest/net.sh). After listen() the
 * server thread itself computes for BUSY seconds (argv[1], default 3)
 * without a system call, as a server busy with a request would: meanwhile
 * no thread waits in the kernel, so only a network thread can answer pings
 * and handshakes. Then it echoes, one connection at a time, while the other
 * thread keeps computing. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t); /* the vDSO: no system call */
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void *spin(void *arg)
{
	uint64_t x = (uintptr_t)arg;
	for (;;)
		sink = x = x * 6364136223846793005ull + 1442695040888963407ull;
	return NULL;
}

int main(int argc, char **argv)
{
	double busy = argc > 1 ? atof(argv[1]) : 3;
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7) };
	pthread_t t;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (busy < 0 || busy > 60 || ls < 0 || bind(ls, (void *)&a, sizeof(a)) || listen(ls, 16) ||
	    pthread_create(&t, NULL, spin, (void *)1)) {
		perror("netbusy: start");
		return 1;
	}
	printf("ukbench: ready netbusy port=7 busy=%.1f\n", busy);
	fflush(stdout);
	double end = now() + busy;
	uint64_t x = 2;
	while (now() < end)
		for (int i = 0; i < 100000; i++)
			sink = x = x * 6364136223846793005ull + 1442695040888963407ull;
	printf("netbusy: serving\n");
	fflush(stdout);
	for (;;) {
		int c = accept(ls, NULL, NULL);
		char buf[2048];
		ssize_t r;
		if (c < 0) {
			perror("netbusy: accept");
			return 1;
		}
		while ((r = read(c, buf, sizeof(buf))) > 0)
			if (write(c, buf, (size_t)r) != r)
				break;
		close(c);
	}
}
