/* api.c — the REST API's kernel side (api=PORT; include/api.h): a kernel
 * thread of its own ("api") on a listening socket of its own, never the
 * application's threads. It sleeps between looks at its sockets (api_wait:
 * the network polled at each wake through the same glue every waiter uses,
 * knet_poll; the thread blocked while others run), serves at most API_CONNS
 * connections, API_BURST responses per connection per round, yields between
 * rounds, and drops idle clients after API_IDLE_NS. Linked only into images with the network (net.o);
 * kernel/nonet.c refuses api= in the others.
 * Call order: kapi_init at boot (after the network and the root) ->
 * api_main in its thread -> serve() per connection -> api_conn_step. */
#include "kernel.h"
#include "ksched.h"
#include "cmdline.h"
#include "net.h"
#include "api.h"
#include "mem.h"
#include "vfs.h"
#include "x86.h"
#include "mm_impl.h"

#define API_CONNS      4
#define API_BURST      4                       /* responses per connection per round */
#define API_IDLE_NS    (5ULL * 1000000000)     /* no byte in or out for this long: closed */
#define API_LINGER_NS  (1ULL * 1000000000)     /* after an error: read and drop, then close */
#define API_LINGER_MAX (64 * 1024)
#define API_TICK_NS    (NET_TIMER_TICK_MS * 1000000ULL) /* the thread's sleep between looks */

struct kconn {
	struct sock *s;                 /* NULL: a free slot */
	struct api_conn *c;
	uint64_t last_ns;               /* last progress */
	bool eof, lingering;
	size_t dropped;
};

static struct sock *listener;
static struct kconn conns[API_CONNS];
static uint16_t api_port;
static uint64_t api_accepted, api_responses, api_errors, api_timeouts;

/* ---- kernel state for the routes (struct api_ops) ---- */

extern const char app_name[];
extern char _kernel_start[], _kernel_end[];
/* In images with the file system (fs.o): weak, so an FS=0 image says 0. */
extern uint64_t ramfs_pages_used(const struct vfs_mount *m) __attribute__((weak));
extern struct vnode *vfs_root(void) __attribute__((weak));

static uint64_t k_uptime(void *ctx)
{
	(void)ctx;
	return time_ns();
}

/* Frames mapped into the application, less the image's own pages (a
 * baked program is mapped in place). File pages mapped from the ramfs
 * count here and under ramfs. */
static uint64_t app_bytes(void)
{
	uint64_t n = 0, ks = (uint64_t)_kernel_start - KERNEL_VBASE, ke = (uint64_t)_kernel_end - KERNEL_VBASE;
	for (struct vma *v = mm_vmas; v; v = v->next)
		for (uint64_t va = v->start, next; va < v->end; va = next) {
			uint64_t *pte = x86_pte_next(x86_pml4, va, &next);
			uint64_t pa = pte ? *pte & PTE_ADDR : 0;
			if (pa && (pa < ks || pa >= ke))
				n++;
		}
	return n * PAGE_SIZE;
}

static void k_memory(void *ctx, struct api_mem *m)
{
	(void)ctx;
	m->total = mem_total_bytes();
	m->free = mem_free_bytes();
	m->heap = mm_kheap.bytes_arena;
	m->heap_in_use = mm_kheap.bytes_in_use;
	if (ramfs_pages_used && vfs_root && vfs_root())
		m->ramfs = ramfs_pages_used(vfs_root()->mnt) * PAGE_SIZE;
	m->app = app_bytes();
	uint64_t used = m->total - m->free, rest = m->heap + m->ramfs + m->app;
	m->kernel = used > rest ? used - rest : 0;
}

static void k_threads(void *ctx, api_thread_fn emit, void *arg)
{
	(void)ctx;
	static const char *const states[] = { [T_RUNNABLE] = "runnable", [T_BLOCKED] = "blocked", [T_ZOMBIE] = "zombie" };
	static const char *const waits[] = { [W_NONE] = "", [W_FUTEX] = "futex", [W_SLEEP] = "sleep", [W_EVENT] = "event" };
	for (struct thread *t = sched_next(NULL); t; t = sched_next(t)) {
		struct api_thread a = {
			.id = t->tid, .name = t->comm[0] ? t->comm : t->kfn ? "kernel" : app_name,
			.state = t == sched_current ? "running" : states[t->state],
			.wait = t->state == T_BLOCKED ? waits[t->wait] : "",
			.kernel = t->kfn != NULL,
			.cpu_ns = t == sched_current ? sched_cpu_ns(false) : t->cpu_ns,
		};
		emit(arg, &a);
	}
}

extern uint64_t x86_page_faults;
extern const char *boot_proto;
static void k_counters(void *ctx, api_counter_fn emit, void *arg)
{
	(void)ctx;
	/* the exit line's (syscall/syscall.c sys_exit_all, sys_print_counters) */
	emit(arg, "run_us", NULL, time_ns() / 1000);
	emit(arg, "threads", NULL, (uint64_t)sched_nthreads());
	emit(arg, "switches", NULL, sched_switches);
	emit(arg, "preemptions", NULL, sched_preemptions);
	emit(arg, "idle_us", NULL, idle_ns / 1000);
	emit(arg, "syscalls", NULL, sys_ncalls);
	emit(arg, "enosys", NULL, sys_nenosys);
	emit(arg, "page_faults", NULL, x86_page_faults);
	emit(arg, "mem_free_kib", NULL, mem_free_bytes() >> 10);
	emit(arg, "mem_total_kib", NULL, mem_total_bytes() >> 10);
	emit(arg, "clock", time_source, 0);
	emit(arg, "tsc_khz", NULL, time_tsc_khz);
	emit(arg, "boot", boot_proto, 0);
	/* the net line's (net_counters_format) */
	const struct net_counters *nc = net_counters(knet_stack);
#define API_NET_COUNTER(name, what) emit(arg, #name, NULL, nc->name);
	NET_COUNTERS(API_NET_COUNTER)
#undef API_NET_COUNTER
	emit(arg, "irqs", NULL, irq_count);
	/* the API's own */
	emit(arg, "api_port", NULL, api_port);
	emit(arg, "api_accepted", NULL, api_accepted);
	emit(arg, "api_responses", NULL, api_responses);
	emit(arg, "api_errors", NULL, api_errors);
	emit(arg, "api_timeouts", NULL, api_timeouts);
}

static const struct api_ops kops = {
	"refkernel", "0.1", k_uptime, k_memory, k_threads, k_counters, NULL,
};

/* ---- connections ---- */

static void conn_close(struct kconn *k)
{
	sock_close(k->s);
	kfree(k->c);
	*k = (struct kconn){ 0 };
}

static void accept_new(uint64_t now)
{
	for (int i = 0; i < API_CONNS; i++) {
		if (conns[i].s)
			continue;
		struct sock *s;
		struct net_addr peer;
		if (sock_accept(listener, &s, &peer))
			return;
		struct api_conn *c = kmalloc(sizeof(*c));
		if (!c) {
			sock_close(s);
			continue;
		}
		api_conn_init(c);
		int one = 1;
		sock_setsockopt(s, NET_IPPROTO_TCP, NET_TCP_NODELAY, &one, sizeof(one));
		conns[i] = (struct kconn){ .s = s, .c = c, .last_ns = now };
		api_accepted++;
	}
}

/* After an error response: the client's remaining bytes are read and
 * dropped (bounded), so that closing sends a FIN and not a reset that could
 * destroy the response before the client reads it (RFC 9112 §9.6). */
static void linger(struct kconn *k, uint64_t now)
{
	char junk[512];
	for (int i = 0; i < 8; i++) {
		long r = sock_recv(k->s, junk, sizeof(junk), 0);
		if (r == -EAGAIN)
			break;
		if (r <= 0 || (k->dropped += (size_t)r) > API_LINGER_MAX)
			return conn_close(k);
	}
	if (now - k->last_ns > API_LINGER_NS)
		conn_close(k);
}

static bool send_out(struct kconn *k, uint64_t now)
{
	struct api_conn *c = k->c;
	while (c->out_off < c->out_len) {
		long r = sock_send(k->s, c->out + c->out_off, c->out_len - c->out_off, 0);
		if (r == -EAGAIN)
			return true;
		if (r <= 0) {
			conn_close(k);
			return false;
		}
		c->out_off += (size_t)r;
		k->last_ns = now;
	}
	return true;
}

static void serve(struct kconn *k, uint64_t now)
{
	struct api_conn *c = k->c;
	if (k->lingering)
		return linger(k, now);
	if (!send_out(k, now))
		return;
	for (int burst = 0; burst < API_BURST && c->out_off == c->out_len; burst++) {
		if (c->closing) {
			sock_shutdown(k->s, NET_SHUT_WR);
			k->lingering = true;
			k->last_ns = now;
			return;
		}
		if (!k->eof && c->in_len < API_HEAD_MAX) {
			long r = sock_recv(k->s, c->in + c->in_len, API_HEAD_MAX - c->in_len, 0);
			if (r > 0) {
				c->in_len += (size_t)r;
				k->last_ns = now;
			} else if (r == 0) {
				k->eof = true;
			} else if (r != -EAGAIN) {
				return conn_close(k);
			}
		}
		if (!api_conn_step(c, &kops)) {
			if (k->eof)
				return conn_close(k);   /* the client is gone and asks for nothing more */
			break;
		}
		api_responses++;
		if (c->out[9] != '2')
			api_errors++;
		if (!send_out(k, now))
			return;
	}
	if (now - k->last_ns > API_IDLE_NS) {
		api_timeouts++;
		conn_close(k);
	}
}

/* Something to do: a connection to take, bytes in, room out, a pending
 * request already received, or a deadline (handled by the wait's). */
static bool api_ready(void *ctx)
{
	(void)ctx;
	bool slot = false;
	for (int i = 0; i < API_CONNS; i++) {
		struct kconn *k = &conns[i];
		if (!k->s) {
			slot = true;
			continue;
		}
		unsigned ev = sock_poll(k->s), want = NET_POLLERR | NET_POLLHUP;
		want |= k->c->out_off < k->c->out_len ? NET_POLLOUT : NET_POLLIN | NET_POLLRDHUP;
		if ((ev & want) || (k->c->out_off == k->c->out_len && !k->c->closing && k->c->in_len &&
				    api_parse(k->c->in, k->c->in_len, &(struct api_request){ 0 }) != 0))
			return true;
	}
	return slot && (sock_poll(listener) & NET_POLLIN);
}

static uint64_t next_deadline(void)
{
	uint64_t d = 0;
	for (int i = 0; i < API_CONNS; i++)
		if (conns[i].s) {
			uint64_t t = conns[i].last_ns + (conns[i].lingering ? API_LINGER_NS : API_IDLE_NS) + 1;
			if (!d || t < d)
				d = t;
		}
	return d;
}

/* Until something is ready. API_EVENT_WAIT: the way a blocking socket call
 * waits (kwait_until: woken by every interrupt, the application's traffic
 * included, two context switches each). Else, the default: a sleep to the
 * next network tick (or a connection's deadline), the stack polled on each
 * wake — an answer waits up to API_TICK_NS, the application's interrupts
 * never wake this thread. */
static void api_wait(void)
{
#ifdef API_EVENT_WAIT
	kwait_until(api_ready, NULL, next_deadline());
#else
	for (uint64_t d = next_deadline();;) {
		knet_poll();
		uint64_t now = time_ns(), until = now + API_TICK_NS;
		if (api_ready(NULL) || (d && now >= d))
			return;   /* something to do, or a connection's time is up */
		sched_block(W_SLEEP, d && d < until ? d : until);
	}
#endif
}

static void api_main(void *arg)
{
	(void)arg;
	for (;;) {
		api_wait();
		uint64_t now = time_ns();
		accept_new(now);
		for (int i = 0; i < API_CONNS; i++)
			if (conns[i].s)
				serve(&conns[i], now);
		sched_yield();   /* the application first, if it can run */
	}
}

void kapi_init(const struct cmdline *cl)
{
	const char *v = cmdline_get(cl, "api");
	unsigned long long port;
	if (!v)
		return;
	if (cmdline_get_u64(cl, "api", &port) <= 0 || port < 1 || port > 65535)
		kpanic(KEXIT_CMDLINE, "bad command line: api=%s (want a TCP port 1..65535)", v);
	api_port = (uint16_t)port;
	struct net_addr any = { 0, api_port };
	int one = 1, r = sock_socket(knet_stack, NET_SOCK_STREAM, &listener);
	if (!r)
		sock_setsockopt(listener, NET_SOL_SOCKET, NET_SO_REUSEADDR, &one, sizeof(one));
	if (!r)
		r = sock_bind(listener, &any);
	if (!r)
		r = sock_listen(listener, API_CONNS);
	if (!r)
		r = sched_kthread("api", api_main, NULL);
	if (r < 0)
		kpanic(KEXIT_PANIC, "api=%u: cannot listen (%d)", api_port, r);
	kprintf("refkernel: api port=%u\n", api_port);
}
