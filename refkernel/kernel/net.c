/* net.c — the kernel side of the network: the stack's platform hooks
 * (net/net_platform.h), bring-up from the command line (ip=ADDR/PREFIX
 * gw=ADDR, arp_reachable_ms=N for tests) over the first virtio-net device
 * (without ip=, a stack with the loopback interface only), and where the
 * stack's receive path and timers run (net=, docs/architecture.md):
 *   inline  knet_poll(), which every socket call and every wait
 *           (kwait_until) runs: take received frames, run due timers;
 *   poll    the same, and a wait spins on the rings for poll_us= before it
 *           halts (knet_spin_ns);
 *   thread  a kernel thread "net" that the device's interrupt wakes
 *           (rx_notify) does both; knet_poll() from syscalls leaves the rings
 *           alone. Sending stays in the caller in every mode.
 * Linked only into images baked with NET=1 (kernel/nonet.c has the
 * stand-ins). Call order: knet_init at boot -> knet_poll from syscalls. */
#include "kernel.h"
#include "ksched.h"
#include "cmdline.h"
#include "net.h"
#include "netdev.h"
#include "virtio.h"
#include "../net/net_platform.h"

struct net_stack *knet_stack;
static enum knet_mode knet_mode = KNET_INLINE;
static uint64_t knet_spin_ns;      /* net=poll: how long a wait spins */
static struct netdev netdev;
static uint64_t next_tick_ns;
static struct thread *net_thread;  /* net=thread, once it has run */
static bool rx_pending;            /* an interrupt came since the thread last looked */
static uint64_t knet_thread_runs, knet_spin_hits, knet_spin_misses;

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

/* Received frames, then timers when due (any mode's receive work). Returns
 * the number of frames taken. */
static int rx_and_timers(void)
{
	int got = 0, n;
	while (netdev.ops && (n = netdev.ops->poll(&netdev, 64)) > 0) {
		got += n;
		if (n < 64)
			break;
	}
	uint64_t now = time_ns();
	if (now >= next_tick_ns) {
		net_timer(knet_stack, now / 1000000);
		next_tick_ns = now + NET_TIMER_TICK_MS * 1000000ULL;
	}
	vnet_flush();
	return got;
}

/* Interrupt context (netdev.h): only wake the thread. */
static void thread_rx_notify(struct netdev *dev)
{
	(void)dev;
	rx_pending = true;
	if (net_thread && net_thread->state == T_BLOCKED)
		sched_wake(net_thread, 0);
}

/* net=thread: the receive path and the timers, woken by the device's
 * interrupt or by the next tick. Like all kernel code it runs with
 * interrupts off until it blocks, so the stack still sees one caller at a
 * time; what it received wakes the threads waiting for it (sched_events). */
static void net_thread_main(void *arg)
{
	(void)arg;
	net_thread = sched_current;
	for (;;) {
		rx_pending = false;
		knet_thread_runs++;
		if (rx_and_timers() > 0)
			sched_events();
		if (!rx_pending)
			sched_block(W_SLEEP, next_tick_ns);
	}
}

static void parse_mode(const struct cmdline *cl)
{
	knet_mode = knet_mode_of(cl);
	unsigned long long us = 50;
	int r = cmdline_get_u64(cl, "poll_us", &us);
	if (r < 0 || (r > 0 && (us < 1 || us > 100000)))
		kpanic(KEXIT_CMDLINE, "bad command line: poll_us=%s (want 1..100000 microseconds)",
		       cmdline_get(cl, "poll_us"));
	if (r > 0 && knet_mode != KNET_POLL)
		kpanic(KEXIT_CMDLINE, "bad command line: poll_us= is for net=poll only");
	knet_spin_ns = us * 1000;
}

void knet_init(const struct cmdline *cl)
{
	const char *ip = cmdline_get(cl, "ip"), *gw = cmdline_get(cl, "gw");
	struct net_config cfg = { 0 };
	parse_mode(cl);
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
	if (knet_mode == KNET_THREAD) {
		netdev.rx_notify = thread_rx_notify;
		if (sched_kthread("net", net_thread_main, NULL) < 0)
			kpanic(KEXIT_OOM, "out of memory for the network thread");
		sched_yield(); /* it runs once and waits: in place before the program starts */
		kprintf("refkernel: net=thread\n");
	} else if (knet_mode == KNET_POLL) {
		kprintf("refkernel: net=poll poll_us=%lu\n", (unsigned long)(knet_spin_ns / 1000));
	}
}

/* Received frames, then timers when due. Returns the time the next tick is
 * due (0: the caller need not wake for it). Under net=thread the network
 * thread does this, and only the loopback (synchronous) is left here. */
uint64_t knet_poll(void)
{
	if (!knet_stack || (knet_mode == KNET_THREAD && net_thread))
		return 0;
	rx_and_timers();
	return next_tick_ns;
}

/* net=poll: before a wait first halts, spin on the rings for knet_spin_ns
 * (interrupts stay off: nothing else runs meanwhile). True if (ready) came. */
bool knet_spin(bool (*ready)(void *ctx), void *ctx, uint64_t deadline_ns)
{
	if (knet_mode != KNET_POLL || !knet_stack || ready(ctx))
		return false;
	uint64_t end = time_ns() + knet_spin_ns;
	if (deadline_ns && deadline_ns < end)
		end = deadline_ns;
	do {
		knet_poll();
		if (ready(ctx)) {
			knet_spin_hits++;
			return true;
		}
		__asm__ volatile("pause");
	} while (time_ns() < end);
	knet_spin_misses++;
	return false;
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
	if (knet_mode == KNET_THREAD)
		kprintf("refkernel: net=thread runs=%lu\n", (unsigned long)knet_thread_runs);
	else if (knet_mode == KNET_POLL)
		kprintf("refkernel: net=poll spin_hits=%lu spin_misses=%lu\n",
			(unsigned long)knet_spin_hits, (unsigned long)knet_spin_misses);
}
