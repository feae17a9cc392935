/* ukb.h: the contract every workload builds on (workloads/common/).
 * Call order in a server: ukb_args_parse() -> ukb_signals_init() ->
 * ukb_listen_tcp() -> ukb_loop_init() -> ukb_loop_add() -> ukb_ready() ->
 * ukb_loop_run() (returns after SIGTERM/SIGINT) -> ukb_loop_fini().
 *
 * Error policy: functions return 0 (or a descriptor) on success and a negative
 * errno on failure; they never exit, except ukb_args_parse(), which on bad
 * usage prints one line to stderr and exits with status 2. Output goes
 * through write(2) on fd 1 (no stdio buffering, no ioctl), so it needs
 * nothing from the kernel but write. Only portable syscalls are used: epoll
 * falls back to poll when epoll_create1 fails; a failing sigaction is ignored.
 */
#ifndef UKB_H
#define UKB_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>

/* ---- output ---------------------------------------------------------- */

/* ukb_printf(fmt, ...) formats into a bounded buffer (1 KiB) and writes it
 * to stdout in one write(2). Returns bytes written or a negative errno. */
int ukb_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* ukb_ready(what, port) prints "ukbench: ready <what> port=<port>". */
void ukb_ready(const char *what, int port);
/* ukb_result(test, metric, value) prints "ukbench: result <test> <metric> <v>". */
void ukb_result(const char *test, const char *metric, double value);
/* ukb_unavailable(test, why) prints "ukbench: unavailable <test> <why>". */
void ukb_unavailable(const char *test, const char *why);

/* ---- time ------------------------------------------------------------ */

uint64_t ukb_now_ns(void);      /* CLOCK_MONOTONIC in ns */
uint64_t ukb_now_ms(void);      /* CLOCK_MONOTONIC in ms */

/* ---- argument parsing ------------------------------------------------ */

enum ukb_opt_type { UKB_OPT_INT, UKB_OPT_SIZE, UKB_OPT_STR, UKB_OPT_FLAG };

/* One option: "--name VALUE" (or "--name=VALUE"); FLAG takes no value.
 * INT stores a long in [min, max]; SIZE stores a size_t in [min, max] and
 * accepts suffixes k/m/g (powers of 1024); STR stores a const char *. */
struct ukb_opt {
	const char *name;
	enum ukb_opt_type type;
	void *ptr;
	long long min, max;
	const char *help;
};

/* ukb_args_parse(argc, argv, prog, usage, opts, nopts): parses argv[1..]
 * into opts. "--help" prints usage and the option list and exits 0. Any
 * unknown option, missing or out-of-range value prints one line and exits 2.
 * Returns the index of the first non-option argument. */
int ukb_args_parse(int argc, char **argv, const char *prog, const char *usage,
		   const struct ukb_opt *opts, int nopts);

/* ---- signals --------------------------------------------------------- */

/* Set by SIGTERM/SIGINT once ukb_signals_init() has run. */
extern volatile sig_atomic_t ukb_stop;
/* Installs SIGTERM/SIGINT handlers (no SA_RESTART) and ignores SIGPIPE.
 * Failures are ignored: a kernel without signals still runs the workload. */
void ukb_signals_init(void);

/* ---- sockets --------------------------------------------------------- */

/* ukb_listen_tcp(addr, port, backlog, *bound_port): non-blocking listening
 * socket with SO_REUSEADDR on addr (dotted quad; NULL or "" = any). Port 0
 * picks a free port; the real port is returned in *bound_port. */
int ukb_listen_tcp(const char *addr, int port, int backlog, int *bound_port);
/* ukb_bind_udp(addr, port, *bound_port): non-blocking bound UDP socket. */
int ukb_bind_udp(const char *addr, int port, int *bound_port);
int ukb_set_nonblock(int fd);
/* ukb_accept(lfd): one pending connection, non-blocking, TCP_NODELAY set
 * (accept4, or accept + fcntl where accept4 is missing). Returns the fd, or
 * a negative errno (-EAGAIN when none is pending). */
int ukb_accept(int lfd);
/* ukb_tune_conn(fd): TCP_NODELAY on an accepted connection (best effort). */
void ukb_tune_conn(int fd);

/* ---- event loop ------------------------------------------------------ */

#define UKB_EV_READ  1u
#define UKB_EV_WRITE 2u
#define UKB_EV_ERR   4u   /* reported only: error or hang-up */

struct ukb_loop;
/* Handler for fd: events is a mask of UKB_EV_*. Level-triggered. */
typedef void (*ukb_ev_fn)(struct ukb_loop *l, int fd, unsigned events, void *arg);
/* Called once per loop iteration and at least every tick_ms. */
typedef void (*ukb_tick_fn)(struct ukb_loop *l, void *arg);

struct ukb_loop_slot {
	ukb_ev_fn fn;
	void *arg;
	unsigned events;
	int pidx;               /* poll backend: index in pollfds, else -1 */
};

struct ukb_loop {
	int epfd;               /* -1 when using poll */
	int max_fds;            /* fds must be < max_fds */
	struct ukb_loop_slot *slots;
	void *pfds;             /* struct pollfd[] for the poll backend */
	int npfds;
	void *evbuf;            /* struct epoll_event[] */
	int tick_ms;
	ukb_tick_fn tick;
	void *tick_arg;
};

/* ukb_loop_init(l, max_fds, force_poll): epoll unless force_poll or
 * epoll_create1 fails with ENOSYS/EINVAL, then poll. */
int ukb_loop_init(struct ukb_loop *l, int max_fds, int force_poll);
const char *ukb_loop_backend(const struct ukb_loop *l);
int ukb_loop_add(struct ukb_loop *l, int fd, unsigned events, ukb_ev_fn fn, void *arg);
int ukb_loop_mod(struct ukb_loop *l, int fd, unsigned events);
int ukb_loop_del(struct ukb_loop *l, int fd);   /* before close(fd) */
void ukb_loop_set_tick(struct ukb_loop *l, int tick_ms, ukb_tick_fn fn, void *arg);
/* Runs until ukb_stop is set. Returns 0, or a negative errno on a fatal
 * wait error. */
int ukb_loop_run(struct ukb_loop *l);
void ukb_loop_fini(struct ukb_loop *l);

/* ---- common server options ------------------------------------------- */

/* The options every server takes; ukb_srv_opts() appends them to a table. */
struct ukb_srv {
	long port;
	const char *bind;
	long max_conns;
	int use_poll;
	long spin;      /* compute-bound threads beside the server, started by ukb_ready() */
};
#define UKB_SRV_NOPTS 5
/* Fills out[0..UKB_SRV_NOPTS) with --port, --bind, --max-conns, --poll, --spin. */
void ukb_srv_opts(struct ukb_srv *s, struct ukb_opt *out);

#endif
