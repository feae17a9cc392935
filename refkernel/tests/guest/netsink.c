/* netsink: accept one TCP connection on port 9000, read it to the end and
 * print its length and sha256, then exit, so that the kernel's exit line
 * shows the network counters for everything the test did before. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include "sha256.h"

int main(void)
{
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9000) };
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ls < 0 || bind(ls, (void *)&a, sizeof(a)) || listen(ls, 16)) {
		perror("netsink: listen");
		return 1;
	}
	printf("ukbench: ready netsink port=9000\n");
	fflush(stdout);
	int c = accept(ls, NULL, NULL);
	if (c < 0) {
		perror("netsink: accept");
		return 1;
	}
	size_t cap = 32 << 20, len = 0;
	uint8_t *buf = malloc(cap);
	ssize_t r;
	while (buf && len < cap && (r = read(c, buf + len, cap - len)) > 0)
		len += (size_t)r;
	uint8_t h[32];
	char hex[65];
	sha256(buf, len, h);
	sha256_hex(h, hex);
	printf("netsink: %zu bytes sha256 %s\n", len, hex);
	close(c);
	close(ls);
	return 0;
}
