/* nonet.c — stand-ins for an image baked without the network (NET=0), the
 * way a unikernel leaves out what its application does not use. Weak: an
 * image baked with NET=1 links kernel/net.c and the socket calls over them.
 * Without a network, socket() fails with -ENETDOWN and every other socket
 * call sees no socket (-ENOTSOCK, or -EBADF for a closed fd). */
#include "kernel.h"
#include "cmdline.h"
#include "syscall.h"

struct net_stack *knet_stack __attribute__((weak));

/* net= is checked in every image (an unknown value stops the boot with
 * KEXIT_VALUE), so a typo is caught even where there is no network to run. */
enum knet_mode knet_mode_of(const struct cmdline *cl)
{
	static const char *const modes[] = { "inline", "thread", "poll", NULL }; /* enum knet_mode */
	int m = cmdline_choice(cl, "net", modes);
	if (m < 0)
		kpanic(KEXIT_VALUE, "net=%s: wants inline, thread or poll", cmdline_get(cl, "net"));
	return (enum knet_mode)m;
}

__attribute__((weak)) void knet_init(const struct cmdline *cl)
{
	knet_mode_of(cl);
	const char *p = "ip";
	if (cmdline_get(cl, p) || cmdline_get(cl, p = "api"))
		kpanic(KEXIT_PANIC, "%s= given but this image was baked without the network (NET=0)", p);
}

/* The REST API (kernel/api.c) lives beside the network: without it, the
 * check above is all there is (no code of its own: an alias). */
void kapi_init(const struct cmdline *cl) __attribute__((weak, alias("knet_init")));

__attribute__((weak)) uint64_t knet_poll(void) { return 0; }
__attribute__((weak)) void knet_flush(void) { }
__attribute__((weak)) bool knet_spin(bool (*ready)(void *), void *ctx, uint64_t deadline_ns)
{
	(void)ready; (void)ctx; (void)deadline_ns;
	return false;
}
__attribute__((weak)) void knet_print_counters(void) { }

int64_t sys_nonet(uint64_t fd, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	return fd_get((unsigned)fd) ? -ENOTSOCK : -EBADF;
}

__attribute__((weak)) int64_t sys_socket(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f)
{
	(void)a; (void)b; (void)c; (void)d; (void)e; (void)f;
	return -ENETDOWN;
}

/* AF_UNIX lives beside the network stack (syscall/sys_unix.c) */
__attribute__((weak)) int64_t sys_socketpair(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f)
{
	(void)a; (void)b; (void)c; (void)d; (void)e; (void)f;
	return -EAFNOSUPPORT;
}

#define NONET(name) int64_t name(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) \
	__attribute__((weak, alias("sys_nonet")))
NONET(sys_bind); NONET(sys_listen); NONET(sys_accept); NONET(sys_accept4);
NONET(sys_connect); NONET(sys_sendto); NONET(sys_recvfrom); NONET(sys_sendmsg);
NONET(sys_recvmsg); NONET(sys_shutdown); NONET(sys_getsockname); NONET(sys_getpeername);
NONET(sys_setsockopt); NONET(sys_getsockopt);
