/* lossyrelay — what `tc netem` does, in user space, for hosts whose kernel
 * has no sch_netem: relays Ethernet frames between a tap device and a QEMU
 * `-netdev dgram` UDP socket (one frame per datagram, both on loopback in the
 * test's namespace) and, on the way to the guest, drops, reorders (holds a
 * frame back behind the next one) and duplicates them at the given rates.
 *   lossyrelay TAP UDP_PORT QEMU_PORT LOSS% REORDER% DUP% SECONDS
 * Prints its counts when it stops (after SECONDS, or on SIGTERM). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_term(int s) { (void)s; stop = 1; }

int main(int argc, char **argv)
{
	if (argc != 8) {
		fprintf(stderr, "usage: lossyrelay TAP UDP_PORT QEMU_PORT LOSS%% REORDER%% DUP%% SECONDS\n");
		return 2;
	}
	int loss = atoi(argv[4]), reorder = atoi(argv[5]), dup = atoi(argv[6]);
	time_t end = time(NULL) + atoi(argv[7]);
	int tap = open("/dev/net/tun", O_RDWR);
	struct ifreq ifr = { 0 };
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", argv[1]);
	/* no offloads: a QEMU that had this tap before may have left checksum
	 * and segmentation offloads on, and we read plain frames */
	if (tap < 0 || ioctl(tap, TUNSETIFF, &ifr) < 0 || ioctl(tap, TUNSETOFFLOAD, 0) < 0) {
		perror("lossyrelay: tap");
		return 1;
	}
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])) };
	struct sockaddr_in qemu = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3])) };
	me.sin_addr.s_addr = qemu.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (u < 0 || bind(u, (void *)&me, sizeof(me))) {
		perror("lossyrelay: udp");
		return 1;
	}
	signal(SIGTERM, on_term);
	srand(12345);
	unsigned char f[2048], held[2048];
	ssize_t held_len = 0;
	long in = 0, out = 0, dropped = 0, reordered = 0, duplicated = 0;
	while (!stop && time(NULL) < end) {
		struct pollfd p[2] = { { tap, POLLIN, 0 }, { u, POLLIN, 0 } };
		if (poll(p, 2, 200) <= 0) {
			if (held_len) { /* nothing followed it: let it go */
				sendto(u, held, (size_t)held_len, 0, (void *)&qemu, sizeof(qemu));
				held_len = 0;
				out++;
			}
			continue;
		}
		if (p[1].revents & POLLIN) { /* from the guest: pass through */
			ssize_t n = recv(u, f, sizeof(f), 0);
			if (n > 0 && write(tap, f, (size_t)n) < 0)
				perror("lossyrelay: tap write");
		}
		if (p[0].revents & POLLIN) { /* to the guest: impaired */
			ssize_t n = read(tap, f, sizeof(f));
			if (n <= 0)
				continue;
			in++;
			if (rand() % 100 < loss) {
				dropped++;
				continue;
			}
			if (!held_len && rand() % 100 < reorder) {
				memcpy(held, f, (size_t)n);
				held_len = n;
				reordered++;
				continue;
			}
			int copies = 1 + (rand() % 100 < dup);
			duplicated += copies - 1;
			for (int i = 0; i < copies; i++, out++)
				sendto(u, f, (size_t)n, 0, (void *)&qemu, sizeof(qemu));
			if (held_len) { /* the held frame goes out behind this one */
				sendto(u, held, (size_t)held_len, 0, (void *)&qemu, sizeof(qemu));
				held_len = 0;
				out++;
			}
		}
	}
	printf("lossyrelay: %ld frames toward the guest, %ld dropped, %ld reordered, %ld duplicated\n",
	       in, dropped, reordered, duplicated);
	return 0;
}
