/* net.c — the kernel side of the network: the stack's platform hooks
 * (net/net_platform.h), bring-up from the command line (ip=ADDR/PREFIX
 * gw=ADDR, arp_reachable_ms=N for tests) over the first virtio-net device
 * (without ip=, a stack with the loopback interface only), and knet_poll(), which every
 * socket call and every wait (kwait_until) runs: take received frames, run
 * due timers. Linked only into images baked with NET=1 (kernel/nonet.c has
 * the stand-ins). Call order: knet_init at boot -> knet_poll from syscalls. */
#include "kernel.h"
#include "ksched.h"
#include "cmdline.h"
#include "net.h"
#include "netdev.h"
#include "virtio.h"
#include "../net/net_platform.h"

struct net_stack *knet_stack;
static struct netdev netdev;
static uint64_t next_tick_ns;

void *netp_alloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

void netp_free(void *p) { kfree(p); }
uint32_t netp_random(void) { return rand_u32(); }


static int parse_ip_param(const char *s, uint32_t *ip, uint32_t *mask)
{
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	if (net_parse_ipv4(s, len, ip))
		return -EINVAL;
	int prefix = 24;
	if (slash) {
		prefix = 0;
		const char *p = slash + 1;
		if (!*p)
			return -EINVAL;
		for (; *p; p++) {
			if (*p < '0' || *p > '9')
				return -EINVAL;
			prefix = prefix * 10 + (*p - '0');
		}
		if (prefix < 1 || prefix > 32)
			return -EINVAL;
	}
	*mask = prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix);
	return 0;
}

/* No device: what would leave the loopback interface cannot. */
static int nodev_tx(struct netdev *dev, const void *frame, size_t len)
{
	(void)dev; (void)frame; (void)len;
	return -ENETDOWN;
}

void knet_init(const struct cmdline *cl)
{
	const char *ip = cmdline_get(cl, "ip"), *gw = cmdline_get(cl, "gw");
	struct net_config cfg = { 0 };
	if (!ip) {
		/* 127.0.0.0/8 only: a program may still talk to itself; any other
		 * destination is unreachable (a /32 with no gateway) */
		cfg.netmask = 0xffffffffu;
		netdev.tx = nodev_tx;
		knet_stack = net_stack_create(&netdev, &cfg, time_ns() / 1000000);
		if (!knet_stack)
			kpanic(KEXIT_OOM, "out of memory for the network stack");
		next_tick_ns = time_ns() + NET_TIMER_TICK_MS * 1000000ULL;
		return;
	}
	if (parse_ip_param(ip, &cfg.ip, &cfg.netmask))
		kpanic(KEXIT_CMDLINE, "bad command line: ip=%s (want ip=A.B.C.D/PREFIX)", ip);
	if (gw && net_parse_ipv4(gw, strlen(gw), &cfg.gateway))
		kpanic(KEXIT_CMDLINE, "bad command line: gw=%s (want gw=A.B.C.D)", gw);
	/* How long an ARP confirmation lasts (default 60 s): tests shorten it
	 * to run past the expiry in seconds. */
	unsigned long long reach;
	int rr = cmdline_get_u64(cl, "arp_reachable_ms", &reach);
	if (rr < 0 || (rr > 0 && (reach < 100 || reach > 3600000)))
		kpanic(KEXIT_CMDLINE, "bad command line: arp_reachable_ms=%s (want 100..3600000)",
		       cmdline_get(cl, "arp_reachable_ms"));
	if (rr > 0) {
		cfg.arp_reachable_ms = (uint32_t)reach;
		kprintf("refkernel: net arp_reachable_ms=%u\n", cfg.arp_reachable_ms);
	}
	static struct virtio_dev devs[VIRTIO_MAX_DEVS];
	int n = virtio_mmio_probe(devs, VIRTIO_MAX_DEVS), i;
	if (n == 0)
		n = virtio_pci_probe(devs, VIRTIO_MAX_DEVS);
	for (i = 0; i < n && devs[i].device_id != VIRTIO_ID_NET; i++)
		;
	if (i == n)
		kpanic(KEXIT_PANIC, "ip= given but no virtio-net device found");
	if (apic_init())
		kpanic(KEXIT_PANIC, "no local APIC");
	int r = vnet_init(&devs[i], &netdev, cmdline_get(cl, "net_nocsum") != NULL);
	if (r)
		kpanic(KEXIT_PANIC, "virtio-net at %#lx failed to start (%d)", (unsigned long)devs[i].phys, r);
	knet_stack = net_stack_create(&netdev, &cfg, time_ns() / 1000000);
	if (!knet_stack)
		kpanic(KEXIT_OOM, "out of memory for the network stack");
	/* A peer that asked for us while the device was not up yet (QEMU drops
	 * those frames) would wait a second to ask again: tell it now. */
	net_announce(knet_stack);
	vnet_flush();
	next_tick_ns = time_ns() + NET_TIMER_TICK_MS * 1000000ULL;
}

/* Received frames, then timers when due. Returns the time the next tick is due. */
uint64_t knet_poll(void)
{
	if (!knet_stack)
		return 0;
	while (netdev.ops && netdev.ops->poll(&netdev, 64) == 64)
		;
	uint64_t now = time_ns();
	if (now >= next_tick_ns) {
		net_timer(knet_stack, now / 1000000);
		next_tick_ns = now + NET_TIMER_TICK_MS * 1000000ULL;
	}
	vnet_flush();
	return next_tick_ns;
}

/* After every system call and switch: frames to the device leave, and a
 * thread waiting for what another one sent it over the loopback wakes (no
 * interrupt tells it). */
void knet_flush(void)
{
	static uint64_t lo_seen;
	vnet_flush();
	if (knet_stack && net_counters(knet_stack)->lo_rx != lo_seen) {
		lo_seen = net_counters(knet_stack)->lo_rx;
		sched_events();
	}
}

void knet_print_counters(void)
{
	if (!knet_stack || (!netdev.ops && !net_counters(knet_stack)->lo_tx))
		return;   /* a loopback nobody used says nothing */
	char line[2048];
	net_counters_format(knet_stack, line, sizeof(line));
	kprintf("%s\n", line);
	if (netdev.ops)
		vnet_print_counters();
}
