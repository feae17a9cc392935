/* fuzz_input.c — libFuzzer target: Ethernet frames into net_input().
 *
 * Each input is a list of records: op (1 byte), length (2 bytes, big endian),
 * then that many bytes. op % 4: 0 a frame as is; 1 a frame whose IPv4 and
 * TCP/UDP/ICMP checksums the harness fixes (so the fuzzer gets past them),
 * with NETDEV_RX_CSUM_OK when bit 2 of op is set;
 * 2 the clock moves by (first byte * 10) ms; 3 the application acts on the
 * accepted connection (send, read, shutdown, close). Every input starts from
 * a fresh stack with a UDP socket on 7, a listener on 80 and one connection
 * (10.0.0.3:40000 -> :80, peer ISS 1000, our ISS fixed by the seed), and
 * must end with every block freed.
 *
 * Built with FUZZ_SEEDS_MAIN it is instead a program writing a seed corpus
 * into the directory given as argv[1].
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "net_impl.h"
#include "platform_host.h"

#define OUR_IP 0x0a000002u
#define PEER_IP 0x0a000003u
static const uint8_t our_mac[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t peer_mac[6] = { 2, 0, 0, 0, 0, 3 };

/* Fill the checksums of a frame that holds IPv4, where the lengths allow. */
static void fix_checksums(uint8_t *f, size_t len)
{
	if (len < ETH_HLEN + IP_HLEN || rd16(f + 12) != ETH_TYPE_IP)
		return;
	uint8_t *ip = f + ETH_HLEN;
	size_t hl = (size_t)(ip[0] & 15) * 4, total = rd16(ip + 2);
	if (hl < IP_HLEN || ETH_HLEN + hl > len)
		return;
	wr16(ip + 10, 0);
	wr16(ip + 10, net_csum_fold(net_csum_add(0, ip, hl)));
	if (total < hl || ETH_HLEN + total > len)
		return;
	uint8_t *l4 = ip + hl;
	size_t l4len = total - hl;
	uint32_t pseudo = net_csum_pseudo(rd32(ip + 12), rd32(ip + 16), ip[9], (uint16_t)l4len);
	if (ip[9] == IP_PROTO_TCP && l4len >= TCP_HLEN) {
		wr16(l4 + 16, 0);
		wr16(l4 + 16, net_csum_fold(net_csum_add(pseudo, l4, l4len)));
	} else if (ip[9] == IP_PROTO_UDP && l4len >= UDP_HLEN) {
		wr16(l4 + 6, 0);
		wr16(l4 + 6, net_csum_fold(net_csum_add(pseudo, l4, l4len)));
	} else if (ip[9] == IP_PROTO_ICMP && l4len >= 4) {
		wr16(l4 + 2, 0);
		wr16(l4 + 2, net_csum_fold(net_csum_add(0, l4, l4len)));
	}
}

/* A TCP frame from the peer, checksums left to fix_checksums. */
static size_t tcp_frame(uint8_t *f, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
			uint8_t flags, const char *data)
{
	size_t dl = data ? strlen(data) : 0;
	memset(f, 0, ETH_HLEN + IP_HLEN + TCP_HLEN);
	memcpy(f, our_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	wr16(f + 12, ETH_TYPE_IP);
	uint8_t *ip = f + ETH_HLEN;
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)(IP_HLEN + TCP_HLEN + dl));
	ip[8] = 64;
	ip[9] = IP_PROTO_TCP;
	wr32(ip + 12, PEER_IP);
	wr32(ip + 16, OUR_IP);
	uint8_t *t = ip + IP_HLEN;
	wr16(t, sport);
	wr16(t + 2, dport);
	wr32(t + 4, seq);
	wr32(t + 8, ack);
	t[12] = 0x50;
	t[13] = flags;
	wr16(t + 14, 65535);
	memcpy(t + TCP_HLEN, data ? data : "", dl);
	size_t n = ETH_HLEN + IP_HLEN + TCP_HLEN + dl;
	fix_checksums(f, n);
	return n;
}

#ifndef FUZZ_SEEDS_MAIN
static uint32_t last_seq;        /* of the last TCP segment the stack sent */

/* Append TCP options to the frame tcp_frame() built (no payload). */
static void add_options(uint8_t *f, size_t *len, const uint8_t *opt, size_t optlen)
{
	uint8_t *ip = f + ETH_HLEN, *t = ip + IP_HLEN;
	memcpy(t + TCP_HLEN, opt, optlen);
	t[12] = (uint8_t)(((TCP_HLEN + optlen) / 4) << 4);
	wr16(ip + 2, (uint16_t)(IP_HLEN + TCP_HLEN + optlen));
	*len += optlen;
	fix_checksums(f, *len);
}

static int fuzz_tx(struct netdev *dev, const void *frame, size_t len)
{
	(void)dev;
	const uint8_t *f = frame;
	if (len >= ETH_HLEN + IP_HLEN + TCP_HLEN && rd16(f + 12) == ETH_TYPE_IP &&
	    f[ETH_HLEN + 9] == IP_PROTO_TCP)
		last_seq = rd32(f + ETH_HLEN + IP_HLEN + 4);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct netdev dev;
	dev.tx = fuzz_tx;
	memcpy(dev.mac, our_mac, 6);
	dev.mtu = 1500;
	netp_host_seed(1);
	uint64_t now = 1000;
	struct net_config cfg = { .ip = OUR_IP, .netmask = 0xffffff00, .gateway = 0x0a000001 };
	struct net_stack *stk = net_stack_create(&dev, &cfg, now);
	struct sock *udp, *lis, *conn = NULL;
	sock_socket(stk, NET_SOCK_DGRAM, &udp);
	struct net_addr a7 = { 0, 7 }, a80 = { 0, 80 };
	sock_bind(udp, &a7);
	sock_socket(stk, NET_SOCK_STREAM, &lis);
	sock_bind(lis, &a80);
	sock_listen(lis, 4);
	/* Handshake: SYN (MSS, window scale, SACK permitted), our SYN-ACK, ACK;
	 * so the fuzzer reaches scaling and the SACK scoreboard too. */
	uint8_t f[NET_FRAME_MAX + 64];
	static const uint8_t synopt[12] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 1, 1, 4, 2 };
	size_t n = tcp_frame(f, 40000, 80, 1000, 0, TCP_SYN, NULL);
	add_options(f, &n, synopt, sizeof(synopt));
	net_input(&dev, f, n);
	net_input(&dev, f, tcp_frame(f, 40000, 80, 1001, last_seq + 1, TCP_ACK, NULL));
	sock_accept(lis, &conn, NULL);

	size_t i = 0;
	while (i + 3 <= size) {
		uint8_t op = data[i];
		size_t len = rd16(data + i + 1);
		i += 3;
		if (len > size - i)
			len = size - i;
		if (len > NET_FRAME_MAX)
			len = NET_FRAME_MAX;
		memcpy(f, data + i, len);
		i += len;
		switch (op % 4) {
		case 0:
			net_input(&dev, f, len);
			break;
		case 1:
			fix_checksums(f, len);
			net_input_flags(&dev, f, len, (op >> 2) & NETDEV_RX_CSUM_OK);
			break;
		case 2:
			now += (len ? f[0] : 1) * 10u;
			net_timer(stk, now);
			break;
		case 3: {
			if (!conn)
				break;
			char buf[2048];
			uint8_t what = len ? f[0] % 5 : 0;
			if (what == 0) {
				sock_send(conn, f, len, 0);
			} else if (what == 1) {
				sock_recv(conn, buf, sizeof(buf), 0);
				sock_recv(udp, buf, sizeof(buf), 0);
			} else if (what == 2) {
				sock_shutdown(conn, NET_SHUT_WR);
			} else if (what == 3) {
				sock_close(conn);
				conn = NULL;
			} else {
				struct sock *c2;
				if (sock_accept(lis, &c2, NULL) == 0)
					sock_close(c2);
			}
			break;
		}
		}
	}
	net_timer(stk, now + 300000);   /* let every timer run once more */
	net_stack_destroy(stk);
	if (netp_host_live_blocks() != 0) {
		fprintf(stderr, "fuzz: %ld blocks leaked\n", netp_host_live_blocks());
		abort();
	}
	return 0;
}
#else
/* Seeds: records in the format above. */
static FILE *seed_file(const char *dir, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");
	if (!fp) {
		perror(path);
		exit(1);
	}
	return fp;
}

static void put_record(FILE *fp, uint8_t op, const uint8_t *d, size_t n)
{
	uint8_t h[3] = { op, (uint8_t)(n >> 8), (uint8_t)n };
	fwrite(h, 1, 3, fp);
	fwrite(d, 1, n, fp);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	uint8_t f[NET_FRAME_MAX];
	uint8_t tick[1] = { 50 }, app_send[4] = { 0, 'a', 'b', 'c' }, app_close[1] = { 3 };
	FILE *fp = seed_file(argv[1], "seed-data");
	put_record(fp, 1, f, tcp_frame(f, 40000, 80, 1001, 0, TCP_ACK | TCP_PSH, "hello"));
	put_record(fp, 3, app_send, sizeof(app_send));
	put_record(fp, 2, tick, 1);
	put_record(fp, 1, f, tcp_frame(f, 40000, 80, 1006, 0, TCP_ACK | TCP_FIN, NULL));
	put_record(fp, 3, app_close, 1);
	fclose(fp);
	fp = seed_file(argv[1], "seed-syn");
	put_record(fp, 1, f, tcp_frame(f, 40001, 80, 5, 0, TCP_SYN, NULL));
	put_record(fp, 1, f, tcp_frame(f, 40000, 80, 1001, 0, TCP_RST, NULL));
	fclose(fp);
	fp = seed_file(argv[1], "seed-udp-icmp-arp");
	size_t n = tcp_frame(f, 9, 7, 0, 0, 0, NULL);
	f[ETH_HLEN + 9] = IP_PROTO_UDP;
	wr16(f + ETH_HLEN + IP_HLEN + 4, 20);
	put_record(fp, 1, f, n);
	f[ETH_HLEN + 9] = IP_PROTO_ICMP;
	f[ETH_HLEN + IP_HLEN] = 8;
	put_record(fp, 1, f, n);
	memset(f, 0xff, 6);
	wr16(f + 12, ETH_TYPE_ARP);
	const uint8_t arp[28] = { 0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 3, 10, 0, 0, 3,
				  0, 0, 0, 0, 0, 0, 10, 0, 0, 2 };
	memcpy(f + ETH_HLEN, arp, sizeof(arp));
	put_record(fp, 0, f, ETH_HLEN + sizeof(arp));
	fclose(fp);
	return 0;
}
#endif
