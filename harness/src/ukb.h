/* ukb.h: the index of ukbench's internal APIs, grouped by file (xv6 defs.h
 * style). Layering, bottom up: util -> stats, ini, proc, qmp -> results ->
 * targets (tg_*) -> run (the job driver) -> env, report, plot -> main.
 *
 * Error policy, stated once: functions that can fail return 0 on success and
 * -1 on failure, with one human-readable line in a caller-supplied `why`
 * buffer (never printed by the callee). Bad usage is reported by main with
 * exit status 2, a failed measurement is a failed sample (exit status 1),
 * never a crash. Every wait has a deadline.
 */
#ifndef UKB_H
#define UKB_H

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define UKB_NAME 48	/* target, workload and metric names */
#define UKB_WHY 256	/* one-line failure reasons */
#define UKB_PATH 1024
#define PF_KVM_N 6	/* kvm:kvm_exit, userspace_exit, pio, mmio, emulate_insn, inj_virq */

/* ---- util.c: clocks, strings, files, sha256, paths ---- */
struct ut_buf {
	char *p;
	size_t len, cap;
};
uint64_t ut_now_ns(void);				/* CLOCK_MONOTONIC */
void ut_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ut_buf_add(struct ut_buf *b, const void *data, size_t n);
void ut_buf_printf(struct ut_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ut_buf_free(struct ut_buf *b);
void ut_json_str(struct ut_buf *b, const char *s);	/* quoted, escaped */
int ut_write_atomic(const char *path, const void *data, size_t len);
int ut_read_file(const char *path, struct ut_buf *b);	/* NUL-terminated */
long long ut_file_size(const char *path);		/* -1 if missing */
void ut_sha256(const void *data, size_t len, uint8_t out[32]);
int ut_sha256_file(const char *path, char hex[65]);
char *ut_trim(char *s);
int ut_split(char *s, char sep, char **out, int max);	/* trimmed fields */
void ut_strlcpy(char *dst, const char *src, size_t n);
const char *ut_root(void);	/* repository root (UKBENCH_ROOT or build-time) */
const char *ut_build(void);	/* build dir (UKBENCH_BUILD or the exe's dir) */
void ut_path(char *out, size_t n, const char *rel);	/* root-relative unless absolute */
int ut_capture(char *const argv[], char *out, size_t n, int timeout_ms);	/* first line */
int ut_have_tool(const char *name);	/* in PATH and executable */
double ut_tsc_khz(void);	/* host TSC against CLOCK_MONOTONIC, cached */
int ut_mkdirs(const char *path);

/* ---- stats.c: order statistics of one metric's samples ---- */
struct st_summary {
	int n;
	double median, min, max, p25, p75;
	double ci_lo, ci_hi;	/* 95% CI of the median (binomial order statistics) */
	double ci_level;	/* coverage actually achieved (< 0.95 for n < 6) */
};
double st_quantile(const double *sorted, int n, double q);	/* linear, type 7 */
void st_median_ci(int n, double level, int *lo, int *hi, double *cover);	/* 1-based ranks */
int st_summarize(const double *v, int n, struct st_summary *s);	/* -1 if n == 0 */
/* two-sided Mann-Whitney U test: U of a, p-value (exact without ties, N <= 50) */
int st_mann_whitney(const double *a, int na, const double *b, int nb, double *u, double *p);

/* ---- ini.c: experiment files (libinih underneath; ini_parse is inih's name) ---- */
struct ini_kv {
	char key[64];
	char val[512];
	int line;
};
struct ini_sec {
	char name[128];	/* "experiment", "target null-guest", "run boot" */
	int line;
	struct ini_kv *kv;
	int nkv;
};
struct ini_file {
	char path[UKB_PATH];
	struct ini_sec *sec;
	int nsec;
};
int ini_parse_text(const char *text, const char *path, struct ini_file *f, char *why, size_t n);
int ini_load(const char *path, struct ini_file *f, char *why, size_t n);
const struct ini_kv *ini_get(const struct ini_sec *s, const char *key);
void ini_free(struct ini_file *f);

/* ---- proc.c: children with deadlines, and cleanup on Ctrl-C ---- */
extern volatile sig_atomic_t ukb_interrupted;
struct pr_child {
	pid_t pid;
	int fd;			/* merged stdout+stderr, -1 after EOF */
	int exited, status;	/* status: exit code, or 128+signal */
	uint64_t t_start, t_exit;
	struct ut_buf out;	/* everything the child printed */
	size_t scanned;		/* lines before this offset were given to the callback */
	long maxrss_kib;	/* wait4's ru_maxrss once reaped, 0 before */
	int perf[4];		/* software counters (see perf.c), -1 if none */
	int kvm[PF_KVM_N];	/* KVM tracepoint counters, -1 if none */
};
enum { PR_EOF = 0, PR_MATCH = 1, PR_TIMEOUT = -1, PR_INTR = -2, PR_ERR = -3 };
typedef int (*pr_line_fn)(void *ctx, const char *line, uint64_t t_ns);
void pr_init(void);	/* signal handlers; call once */
int pr_spawn(struct pr_child *c, char *const argv[], int with_perf, char *why, size_t n);
int pr_spawn_ns(struct pr_child *c, char *const argv[], int with_perf, const char *netns,
		char *why, size_t n);	/* child joins /var/run/netns/<netns> */
/* with_perf: PR_PERF_SW software counters, | PR_PERF_KVM KVM tracepoints too */
enum { PR_PERF_SW = 1, PR_PERF_KVM = 2 };
int pr_read(struct pr_child *c, uint64_t deadline, pr_line_fn fn, void *ctx);
int pr_wait(struct pr_child *c, uint64_t deadline);	/* PR_EOF when exited */
void pr_kill(struct pr_child *c);	/* SIGKILL the group, reap, free */
void pr_kill_all(void);			/* every live child */
int pr_sleep_ms(int ms);		/* PR_INTR if interrupted */
const sigset_t *pr_run_mask(void);	/* for ppoll/epoll_pwait: Ctrl-C gets through */
int pr_poll(struct pollfd *p, int np, int timeout_ms);	/* poll that Ctrl-C interrupts */
typedef void (*pr_cleanup_fn)(void *arg);
int pr_cleanup_push(pr_cleanup_fn fn, void *arg);	/* run by pr_cleanup_all */
void pr_cleanup_pop(int id);		/* run it now and forget it */
void pr_cleanup_all(void);

/* ---- net.c: the run's network namespace(s), bridge, tap or veth ---- */
#define NT_HOST_IP "10.77.0.1"	/* br0 in the run's namespace; load generators */
#define NT_GUEST_IP "10.77.0.2"	/* the VM's or the container's address */
enum { NT_NONE, NT_TAP, NT_VETH, NT_USER };
struct nt_net {
	int active;		/* the run has a network (servers) */
	char ns[32], cns[32];	/* "" when absent (NT_USER: no namespace) */
	int kind, cleanup_id;
	int port;		/* NT_USER: the host port forwarded to the server */
	char addr[32];		/* where the server answers, seen from ns */
	int pkt;		/* packet socket on br0 (VMs), -1 if none */
	uint64_t t_first_frame;	/* first frame from the guest's MAC, 0 if none */
	struct pc_cap *cap;	/* pcap.c: the capture thread reading pkt, NULL if none */
};
int nt_setup(struct nt_net *net, int kind, char *why, size_t n);
const char *nt_guest_cmdline(const struct nt_net *net);	/* "ip=.. gw=.. " or "" */
void nt_teardown(struct nt_net *net);
int nt_sweep_stale(void);	/* leftovers of killed ukbench runs; count removed */
int nt_enter(const struct nt_net *net);	/* setns into net->ns */
void nt_leave(void);
int nt_connect(const char *addr, int port, uint64_t deadline);
uint64_t nt_first_frame(struct nt_net *net, const uint8_t mac[6]);
extern const uint8_t nt_guest_mac[6];	/* the VMs' virtio-net MAC */
int nt_frame_socket(struct nt_net *net);	/* on br0 (tap, veth) or lo (native); fd or -1 */
int nt_request(int fd, const char *req, const char *want, uint64_t deadline);

/* ---- pcap.c: packet traces of a server run (libpcap's savefile writer) ---- */
/* A thread reads the run's packet socket from nt_setup to nt_teardown and
 * writes every frame with its kernel timestamp (ns) to a pcap file, and takes
 * over first_frame from nt_first_frame. head: the first PC_HEAD_BYTES of the
 * file, then the kernel is told to drop (a BPF filter), so the load is not
 * slowed by a capture nobody keeps. */
enum { PC_HEAD = 0, PC_OFF, PC_FULL };	/* head is the default (a zeroed run_job) */
#define PC_HEAD_BYTES (2u << 20)
int pc_parse_mode(const char *s);	/* PC_*, -1 if unknown */
const char *pc_mode_name(int mode);
int pc_start(struct nt_net *net, const char *path, int mode, char *why, size_t n);
uint64_t pc_first_frame(struct pc_cap *c, const uint8_t mac[6]);	/* 0 if none yet */
void pc_stop(struct nt_net *net);	/* joins the thread; the file appears complete or not at all */

/* ---- loadparse.c: wrk and redis-benchmark outputs ---- */
struct lp_wrk {
	double req_per_s, p50_us, p99_us;	/* p50/p99 -1 without --latency */
	long requests, errors;	/* socket errors + non-2xx/3xx responses */
};
int lp_wrk(const char *text, struct lp_wrk *w);
typedef void (*lp_redis_fn)(void *ctx, const char *test, double rps, double p50_us,
			    double p99_us);	/* latencies -1 where not given */
int lp_redis_csv(const char *text, lp_redis_fn fn, void *ctx);

/* ---- loadgen.c: our own bounded load generators (echo, stream) ---- */
#define HG_SUB 32		/* linear steps per power of two */
#define HG_BUCKETS (HG_SUB * 40)
struct hg {
	uint64_t b[HG_BUCKETS];
	uint64_t n;
};
void hg_add(struct hg *h, uint64_t v);
double hg_quantile(const struct hg *h, double q);	/* within 1/HG_SUB */
uint64_t hg_upper(int i);	/* bucket i's upper edge: the largest value it holds */
struct lg_result {
	struct hg hist;		/* echo latencies in us */
	double seconds, ops_per_s, p50_us, p99_us, gbit_per_s;
	uint64_t bytes;
};
typedef void (*lg_tick_fn)(void *ctx);	/* every LG_TICK_MS during the load (rss_loaded) */
#define LG_TICK_MS 100
int lg_echo(const char *addr, int port, int conns, int duration_ms, uint64_t deadline,
	    lg_tick_fn tick, void *ctx, struct lg_result *res, char *why, size_t n);
/* stream: -1 unless every byte sent was acknowledged by the sink's orderly
 * close (EOF after our FIN); a reset or receive error fails it */
int lg_stream(const char *addr, int port, int duration_ms, uint64_t deadline, lg_tick_fn tick,
	      void *ctx, struct lg_result *res, char *why, size_t n);

/* ---- perf.c: perf_event_open software counters of a child ---- */
enum { PF_TASK_CLOCK, PF_CTX_SWITCHES, PF_PAGE_FAULTS, PF_N };
int pf_open(pid_t pid, int fds[PF_N]);	/* enable_on_exec, inherit */
int pf_read(int fds[PF_N], double val[PF_N]);	/* task clock in ms */
void pf_close(int fds[PF_N]);
int pf_open_kvm(pid_t pid, int fds[PF_KVM_N]);	/* where tracefs is readable */
const char *pf_kvm_name(int i);

/* ---- qmp.c: the QEMU Machine Protocol, just enough to `cont` ---- */
int qmp_connect(const char *sock, uint64_t deadline, char *why, size_t n);	/* fd */
int qmp_cmd(int fd, const char *cmd, uint64_t deadline, char *why, size_t n);
/* The events QEMU sent on (fd) since qmp_connect, and any more until it closes
 * the socket or (deadline): one JSON object a line, appended to (out). */
void qmp_events(int fd, uint64_t deadline, struct ut_buf *out);

/* ---- results.c: samples, failures and the result-set files ---- */
struct rs_sample {	/* keyed by job: two [run]s of one target and workload stay apart */
	char job[UKB_NAME], target[UKB_NAME], workload[UKB_NAME], metric[UKB_NAME];
	int rep;
	double value;
};
struct rs_failure {
	char job[UKB_NAME], target[UKB_NAME], workload[UKB_NAME];
	int rep;
	char why[UKB_WHY];
};
struct rs_set {
	char experiment[UKB_NAME];
	char job[UKB_NAME];	/* the job rs_add/rs_fail/rs_hist_add file under ("run" if "") */
	char dir[UKB_PATH];
	struct rs_sample *s;
	int ns;
	struct rs_failure *f;
	int nf;
	struct ut_buf meta_extra;	/* JSON members appended to meta.json */
	struct rs_hist *h;	/* latency histograms, merged over reps */
	int nh;
};
struct rs_hist {
	char job[UKB_NAME], target[UKB_NAME], workload[UKB_NAME];
	struct hg hist;
};
void rs_hist_add(struct rs_set *r, const char *target, const char *workload, const struct hg *h);
void rs_hist_csv(const struct hg *h, struct ut_buf *b);	/* "latency_us,cdf", bucket edges */
const char *rs_unit(const char *metric);
int rs_valid_name(const char *s);
void rs_add(struct rs_set *r, const char *target, const char *workload,
	    const char *metric, int rep, double value);
void rs_fail(struct rs_set *r, const char *target, const char *workload, int rep,
	     const char *why);
int rs_create(struct rs_set *r, const char *experiment, const char *outdir, char *why, size_t n);
void rs_samples_csv(const struct rs_set *r, struct ut_buf *b);
void rs_summary_csv(const struct rs_set *r, struct ut_buf *b);
/* Every (job, target, workload, metric) in order of first appearance, with
 * its summary: fn(ctx, first sample, summary). -1 without memory. */
typedef void (*rs_row_fn)(void *ctx, const struct rs_sample *a, const struct st_summary *st);
int rs_summary_each(const struct rs_set *r, rs_row_fn fn, void *ctx);
void rs_failures_csv(const struct rs_set *r, struct ut_buf *b);
int rs_write(const struct rs_set *r, const char *meta_json);	/* atomic, all files */
int rs_link_latest(const struct rs_set *r);
void rs_free(struct rs_set *r);

/* ---- json.c: summary.json, meta.json read back (jansson) ---- */
typedef struct json_t json_t;
int js_summary_json(const struct rs_set *r, struct ut_buf *b);	/* the rows of summary.csv */
json_t *js_meta_load(const char *dir, char *why, size_t n);	/* NULL with why */
const char *js_str(json_t *o, const char *key);	/* "" if absent */

/* ---- targets (tg_*.c): one small ops table per target kind ---- */
enum { ACCEL_AUTO, ACCEL_TCG, ACCEL_KVM };
/* Every QEMU target's guest memory unless a job says otherwise: one size for
 * all, so that footprints compare (the Linux VM panics with its initramfs at
 * 64). meta.json records each job's size, the report's header repeats it. */
#define TG_MEM_MIB 128
enum { READY_EXIT, READY_MARKER, READY_PORT };
/* qemu-image net_device (tg_image.c); DEFAULT: virtio-net-device on microvm,
 * virtio-net-pci elsewhere */
enum { TG_NET_DEFAULT, TG_NET_VIRTIO_MMIO, TG_NET_VIRTIO_PCI, TG_NET_E1000, TG_NET_NONE };
#define TG_MAX_DISKS 4
#define TG_MAX_EXIT 8

struct tg_spec {	/* a target as configured (built-in, or [target X] in an .ini) */
	char name[UKB_NAME];
	const struct tg_ops *ops;
	/* qemu-image: */
	char kernel[UKB_PATH], initrd[UKB_PATH];
	char machine[128], append[512], qemu_args[512];
	int ready;
	char marker[128];
	int port;
	int exit_ok;		/* expected exit status of the process */
	/* qemu-image and command (tg_image.c); paths already resolved against
	 * the experiment file's folder */
	int exit_list[TG_MAX_EXIT], nexit;	/* accepted statuses; none: exit_ok */
	int exit_device;	/* iobase of a second isa-debug-exit, 0 if none */
	int reset_ok;		/* a guest reset is how it ends (else a failure) */
	int net_device;		/* TG_NET_* */
	char cpu[64];		/* -cpu; "" = host under KVM, max under TCG */
	char disks[TG_MAX_DISKS][UKB_PATH];
	int disk_line[TG_MAX_DISKS];	/* in the experiment file, for messages */
	int ndisks;
	char command[1024], cleanup[512], tap[16];	/* kind = command */
	int want_net;		/* the run needs a network (ready = port, or a tap) */
	char baseline_of[UKB_NAME];	/* the report's ratio column for this target */
	int foreign;		/* not ours: exit codes are not the refkernel's */
	int optional;		/* optional = yes: absent files skip the job, with the reason */
	char params[256];	/* kind = refkernel: kernel parameters before the built-in ones ("" or ends in ' ') */
};

struct tg_run {		/* one launch of one workload on one target */
	const struct tg_spec *spec;
	char workload[UKB_NAME];
	char args[256];		/* workload arguments, space separated */
	int mem_mib, vcpus, accel;	/* accel resolved: ACCEL_TCG or ACCEL_KVM */
	int mem_kib;		/* min_mem probes below MiB resolution: overrides mem_mib */
	uint64_t start_deadline;	/* probes: no console output by then = never started */
	int timeout_ms;
	uint64_t deadline;
	char tmpdir[UKB_PATH];
	int cleanup_id;		/* pr_cleanup_push() of the temp dir, -1 if none */
	struct pr_child proc;
	int qmp;
	char image[UKB_PATH];	/* the main file the target boots or runs */
	char files[8][UKB_PATH];	/* every file it needs (sha256 in meta.json) */
	int nfiles;
	long long image_size;
	uint64_t t_launch, t_vmm, t_cont, t_ready;
	double guest_boot_us;	/* from the guest's own line, < 0 if none */
	char cmdline[2048];	/* how it was launched, for meta.json */
	char *argv[96];		/* the launch command (tg_arg) */
	int argc;
	char argstore[8192];
	size_t argused;
	struct rs_set *rs;
	int rep;		/* 0 = warm-up, not recorded */
	struct nt_net net;	/* servers: the run's network (net.ns "" if none) */
	int duration_ms;	/* load phase length */
	int probe_only;		/* min_mem probes: ready is a pass, nothing measured */
	long requests;		/* served in the load phase (per-request counters) */
	struct hg hist;		/* echo latencies, committed with the samples */
	long rss_max;		/* rss_loaded: the largest PSS seen during the load */
	int rss_n;		/* how many PSS readings were taken during the load */
	char fatal[UKB_WHY];	/* set by an output callback: the launch cannot succeed */
	char end[48];		/* how it ended: "exit 1", "guest-reset", "killed after ready" */
	char cpu_note[96];	/* the -cpu chosen and why (meta.json) */
	long pss_ready;		/* KiB at readiness, 0 if not read */
	int pss_split;		/* QEMU: the two below were read at readiness */
	long pss_guest, pss_tcg;	/* KiB of pss_ready in guest RAM, in TCG's code buffer */
	long pss_anon;		/* KiB in anonymous mappings other than guest RAM */
	int api;		/* refkernel: api=TG_API_PORT on the command line */
	int api_fd;		/* the load phase's keep-alive connection to it, -1 if none */
	long api_used_max;	/* guest_mem_used: the largest /os/memory "used" seen (KiB) */
	int api_n;		/* how many /os/memory readings were taken during the load */
};
/* The refkernel's REST API port with api = yes (OSv's default; no workload's) */
#define TG_API_PORT 8000
/* tg_api.c: api = yes. The prepare functions put tg_api_cmdline(r) ("api=8000 "
 * or "") on the refkernel's command line; the load phase opens, samples beside
 * each PSS reading, and records guest_mem_used (KiB) when (ok). */
const char *tg_api_cmdline(struct tg_run *r);
void tg_api_open(struct tg_run *r);
void tg_api_sample(struct tg_run *r);
void tg_api_finish(struct tg_run *r, int ok);

struct tg_ops {
	const char *kind;
	const char *help;
	int (*prepare)(struct tg_run *r, char *why, size_t n);	/* files exist, sizes */
	int (*launch)(struct tg_run *r, char *why, size_t n);
	int (*wait_ready)(struct tg_run *r, char *why, size_t n);
	int (*measure)(struct tg_run *r, char *why, size_t n);	/* adds samples */
	void (*stop)(struct tg_run *r);		/* always called; idempotent */
};
extern const struct tg_ops tg_native_ops, tg_refkernel_ops, tg_linuxvm_ops, tg_linuxtiny_ops,
	tg_container_ops, tg_qemu_image_ops;
const struct tg_ops *tg_find(const char *kind);
const struct tg_ops *const *tg_all(void);	/* NULL-terminated */
/* shared by the ops (tg_common.c) */
void tg_sample(struct tg_run *r, const char *metric, double value);
int tg_parse_results(struct tg_run *r);	/* "ukbench: result <test> <metric> <value>" */
int tg_wait_exit(struct tg_run *r, char *why, size_t n);	/* ready = process exit */
const char *tg_status_why(int status);	/* refkernel's reserved exit codes */
void tg_arg(struct tg_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tg_args_words(struct tg_run *r, const char *words);	/* split at blanks */
const char *tg_last_line(const struct tg_run *r);	/* for failure reasons */
void tg_parse_guest_exit(struct tg_run *r);	/* refkernel's exit counters */
int tg_wait_serving(struct tg_run *r, pr_line_fn fn, void *ctx, char *why, size_t n);
int tg_load(struct tg_run *r, char *why, size_t n);	/* rss + the workload's load */
void tg_counters(struct tg_run *r);	/* perf counters -> samples */
int  tg_measure_common(struct tg_run *r, char *why, size_t n); /* image size, load, counters, results */
long tg_pss_kib(pid_t root);	/* PSS of a process and its descendants */
void tg_sample_loaded(void *r);	/* one PSS reading during the load (an lg_tick_fn) */
/* A load generator (argv) in the run's namespace for at most (limit_ms), PSS
 * read all the while; its output in (out). A non-zero exit fails it. */
int tg_run_tool(struct tg_run *r, char **argv, int limit_ms, struct ut_buf *out, char *why,
		size_t n);
/* wrk (argv): req_per_s and latencies; any error fails the sample. */
int tg_wrk_load(struct tg_run *r, char **argv, char *why, size_t n);
/* redis-benchmark --csv (argv): rows -> <workload>/<TEST><suffix>; any error
 * reply or other than (want_rows) rows fails the sample. */
int tg_redis_load(struct tg_run *r, char **argv, const char *suffix, int want_rows, char *why,
		  size_t n);
void tg_net_args_qemu(struct tg_run *r, const char *machine);	/* -netdev + net_device */
/* tg_qemu.c, shared with tg_image.c */
void tg_qemu_base(struct tg_run *r, const char *machine);
/* The refkernel's launch: r->image on microvm, (initrd) if not NULL, and the
 * command line [net] [params] [api=] tsc_khz= -- (args) (tg_qemu.c) */
void tg_refkernel_boot(struct tg_run *r, const char *initrd, const char *args);
int tg_qemu_launch(struct tg_run *r, char *why, size_t n);
int tg_qemu_wait_ready(struct tg_run *r, char *why, size_t n);
int tg_qemu_measure(struct tg_run *r, char *why, size_t n);
void tg_qemu_stop(struct tg_run *r);
/* tg_image.c: qemu-image and command targets, and what every VM reports */
extern const struct tg_ops tg_command_ops;
void tg_end_why(struct tg_run *r, int status, char *out, size_t n);	/* sets r->end */
int tg_exit_check(struct tg_run *r, char *why, size_t n);	/* status and reset vs accepted */
void tg_ready_footprint(struct tg_run *r);	/* pss at readiness, if alive */
void tg_peak_rss(struct tg_run *r);		/* rss_peak sample */
void tg_console_tail(const struct tg_run *r, int lines, char *out, size_t n);
void tg_shell_quote(struct ut_buf *b, const char *arg);
struct wl_info;
int tg_spec_net(const struct tg_spec *s, const struct wl_info *w);	/* needs a network */

/* ---- workloads (run.c) ---- */
struct wl_info {
	const char *name;
	int ready_exit;		/* 1: finished when it exits; 0: a server */
	const char *help;
	int port;		/* servers: where they listen */
	const char *probe, *reply;	/* readiness: send probe, expect reply prefix */
};
const struct wl_info *wl_find(const char *name);
const struct wl_info *wl_all(int *n);

/* ---- run.c: the job driver (targets x workloads x reps) ---- */
struct run_job {
	char run[UKB_NAME];	/* the job's [run] name ("run" for ukbench run): the result key */
	struct tg_spec spec;
	char workload[UKB_NAME];
	char args[256];
	int reps, warmup, mem_mib, vcpus, accel, timeout_ms, duration_ms;
	int min_mem;		/* also bisect the least guest memory that works */
	int pcap;		/* PC_HEAD (default), PC_OFF, PC_FULL */
	int api;		/* api = yes: refkernel targets serve their REST API (guest_mem_used) */
	char baseline[UKB_NAME];	/* ratio column of this job's rows ("" = the plan's) */
	int mem_kib;		/* min_mem probes: the size in KiB (0: mem_mib) */
	int start_ms;		/* min_mem probes: no output by then = never started (0: off) */
	int density;		/* N instances kept up around each launch (density.c), 0: none */
};
struct run_plan {
	char experiment[UKB_NAME];
	struct run_job *jobs;
	int njobs;
	char outdir[UKB_PATH];
	char baseline[UKB_NAME];
	const char *source;	/* experiment file, if any */
};
int run_plan_add(struct run_plan *p, const struct run_job *j);
typedef int (*run_pass_fn)(void *ctx, int value);	/* 1 pass, 0 fail, -1 abort */
int run_bisect(int lo, int hi, run_pass_fn pass, void *ctx, int *probes);
int run_execute(struct run_plan *p, int argc, char **argv);	/* exit status */
int run_preflight(const struct run_plan *p, char *why, size_t n);	/* tools present */
void run_save_log(struct rs_set *rs, const struct tg_run *r, const char *kind, const char *data,
	      size_t len);	/* logs/<target>-<workload>-rep<N>.<kind> */
int run_resolve_accel(int accel, char *note, size_t n);
void run_init(struct tg_run *r, const struct run_job *j, struct rs_set *rs, int rep);
int run_net_kind(const struct tg_ops *o);	/* NT_* of a server launch on (o) */

/* ---- density.c: N background instances kept up around a measured launch ---- */
/* LightVM's density: before each launch of a job with density = N, N
 * instances of the same target and workload are started one after the
 * other, each waited for until ready (a server answering, in its own
 * network namespace); then the measured launch runs as usual and, once it is
 * ready, dn_sample records density_up (how many are still up, must be N)
 * and pss_per_instance (the mean PSS of their process trees); dn_down stops
 * them on every path. Their cleanups are registered (Ctrl-C). */
#define DN_MAX 64
struct dn_set {
	struct tg_run *r;	/* N of them, calloc'd */
	int n;			/* started (each needs dn_down) */
};
int dn_check(const struct run_job *j, char *why, size_t n);	/* preflight: stays up, memory */
/* a failed instance's console: logs/<target>-<workload>-rep<R>.bg<i> of (rs) */
int dn_up(const struct run_job *j, struct dn_set *s, struct rs_set *rs, int rep, char *why,
	  size_t n);
int dn_sample(struct dn_set *s, struct tg_run *measured, char *why, size_t n);
void dn_down(struct dn_set *s);
/* A QEMU process's PSS in its guest RAM (the anonymous mapping of exactly
 * (mem_kib)), in TCG's translation buffer (anonymous rwx mappings) and in all
 * other anonymous mappings (heap, ROM blobs, TCG buffer: not shared with
 * other QEMUs), from /proc/PID/smaps; -1 if unreadable or no such mapping. */
int dn_qemu_split(pid_t pid, long mem_kib, long *guest_kib, long *tcg_kib, long *anon_kib);

/* ---- experiment.c: .ini -> run_plan ---- */
int ex_load(const char *path, struct run_plan *p, char *why, size_t n);
int ex_parse_accel(const char *s);	/* ACCEL_*, -1 if unknown */
/* The [target NAME] sections of (path) only, for ukbench run --experiment. */
int ex_targets(const char *path, struct tg_spec *out, int max, int *nout, char *why, size_t n);
/* dryrun.c: list (p)'s jobs, the files each lacks and a rough duration; 0 */
int ex_dry_run(const struct run_plan *p, FILE *f);

/* ---- env.c: what this host can do ---- */
struct env_probe {
	int done;
	int kvm_dev;		/* /dev/kvm opens read-write */
	int kvm_usable;		/* probe ran under KVM and was not slower than TCG */
	double tcg_loop_us, kvm_loop_us;	/* < 0 if the run failed */
	char note[UKB_WHY];
};
const struct env_probe *env_probe_accel(void);	/* cached */
int env_main(int argc, char **argv);
void env_meta(struct ut_buf *b);	/* host facts as JSON members */

/* ---- report.c / plot.c ---- */
struct sm_row {	/* one line of summary.csv */
	char job[UKB_NAME], target[UKB_NAME], workload[UKB_NAME], metric[UKB_NAME], unit[16];
	char label[UKB_NAME * 2 + 4];	/* workload, "workload [job]" where it has several jobs */
	int n;
	double median, min, max, p25, p75, ci_lo, ci_hi, ci_level;
};
#define SM_PAIRS 16
struct sm_table {
	struct sm_row *r;
	int nr;
	struct rs_failure *f;	/* failures.csv */
	int nf;
	char targets[16][UKB_NAME];	/* in order of first appearance */
	int nt;
	char missing[512];	/* what the set lacks or had cut off, "" if whole */
	struct {
		char app[UKB_NAME], ours[UKB_NAME];	/* nginx beside httpd */
	} pair[SM_PAIRS];	/* sm_group(): the pairs whose both sides have rows */
	int np;
};
int sm_load(const char *dir, struct sm_table *t, char *why, size_t n);
/* Reorders (t)'s rows so that an app's rows follow those of the workload it
 * is set beside (its app.conf's compare, as meta.json's jobs recorded it; the
 * app registry for sets without it); without a pair the order is kept. */
void sm_group(struct sm_table *t, json_t *meta);
const struct sm_row *sm_find(const struct sm_table *t, const char *target,
			     const char *label, const char *metric);	/* label: sm_row.label */
void sm_label(const struct sm_table *t, const char *job, const char *workload, char *out,
	      size_t n);
void sm_free(struct sm_table *t);
int report_main(int argc, char **argv);
/* report_base.c: per-job baselines from meta.json */
#define RB_MAX 128
struct rb_entry {
	char target[UKB_NAME], job[UKB_NAME], baseline[UKB_NAME];
};
struct rb_map {
	struct rb_entry e[RB_MAX];
	int n;
};
int rb_load(const char *meta_json, struct rb_map *m);	/* entries with a baseline */
const char *rb_find(const struct rb_map *m, const char *job, const char *target);
struct hm_map;
/* The row cell (c) reads as a ratio to: its job's own baseline, else (baseline);
 * NULL when there is none, its median is 0, or it ran on another host (hm may be NULL). */
const struct sm_row *rb_base(const struct sm_table *t, const struct rb_map *m,
			     const struct hm_map *hm, const char *baseline, const struct sm_row *c);
void rb_print(const struct rb_map *m, FILE *f);	/* "Baselines per job: A against B; ...." */
int plot_main(int argc, char **argv);
int plot_all(const struct sm_table *t, const char *dir, const char *outdir, const char *set,
	     int quiet);	/* every metric's bars and the CDFs; 1 if any failed */

/* ---- report_html.c: report.html and compare's page; compare.c ---- */
void rh_esc(struct ut_buf *b, const char *s);	/* HTML text */
int rh_report(const char *dir, const struct sm_table *t, const char *baseline,
	      const struct rb_map *bases, char *why,
	      size_t n);	/* DIR/report.html */
void rh_compare_row(struct ut_buf *b, const struct rs_sample *k, const char *a, const char *bb,
		    const char *ratio, double p, int verdict, const char *text);	/* verdict -1/0/1 */
void rh_compare_page(struct ut_buf *b, const char *a, const char *bdir, double threshold,
		     const char *warnings, const struct ut_buf *rows, int n, int worse, int better);
int cp_higher_better(const char *metric);	/* rates (*_per_s) and tps */
int cp_read_samples(const char *dir, struct rs_sample **s, int *ns, int *cut);	/* -1 if unreadable */
int compare_main(int argc, char **argv);
int report_resolve_dir(const char *arg, char *out, size_t n);
void report_fmt(char *out, size_t n, double v);	/* three significant digits, no exponent for ordinary magnitudes */

/* ---- slurm.c: an experiment as one Slurm job array; merge.c: the parts -> one set ---- */
struct sl_block {	/* every job of one ([run], workload): all its targets, one host */
	int index;
	char run[UKB_NAME], workload[UKB_NAME];
	int *jobs, nj;		/* indices into the plan, in plan order */
	int limit_s;		/* the task's time limit: its launches' timeouts + slack */
};
struct sl_opts {
	char partition[UKB_NAME];
	int nodes;		/* at most this many nodes at a time (0: no limit) */
	char dir[UKB_PATH], parts[UKB_PATH + 8];	/* result folder (shared), DIR/parts */
	char file[UKB_PATH], ukbench[UKB_PATH];	/* absolute */
};
int sl_split(const struct run_plan *p, struct sl_block **out, int *nb);
void sl_blocks_free(struct sl_block *b, int nb);
int sl_block_plan(const struct run_plan *p, const struct sl_block *b, struct run_plan *out);
void sl_block_desc(const struct run_plan *p, const struct sl_block *b, char *out, size_t n);
void sl_script(const struct sl_opts *o, const struct run_plan *p, const struct sl_block *b,
	       int nb, const char *array, struct ut_buf *s);	/* array: "0-3", "1,3" */
int sl_bench_wants(int argc, char **argv);	/* --slurm or --block among the args */
int sl_bench_main(int argc, char **argv, int full_argc, char **full_argv);
struct mg_missing {	/* a block with no finished partial set, and why */
	int block;
	char why[UKB_WHY * 2];
};
/* (dirs): partial sets; (plan, blocks, miss): blocks known not to have run,
 * written as failures (bench --wait), else NULL/0. 0 merged, 1 merged with
 * failures, 2 refused with why. */
int mg_merge(const char *out, char **dirs, int nd, const struct run_plan *plan,
	     const struct sl_block *blocks, int nblocks, const struct mg_missing *miss, int nmiss,
	     int argc, char **argv, char *why, size_t n);
int mg_merge_plan(const char *out, const char *parts, const struct run_plan *plan,
		  const struct sl_block *b, int nb, const struct mg_missing *miss, int nmiss,
		  char *why, size_t n);
int merge_main(int argc, char **argv);
struct hm_host {
	char name[128], cpu[128], kernel[128], qemu[128], accel[32];
	int odd;		/* its accelerator differs from the other hosts' */
};
struct hm_block {
	char job[UKB_NAME], workload[UKB_NAME], host[128];
	int odd;
};
struct hm_map {		/* which host ran what: meta.json's "hosts" and "blocks" */
	struct hm_host *h;
	int nh;
	struct hm_block *b;
	int nb;
};
int hm_load(json_t *meta, struct hm_map *m);	/* a plain set: its one host */
const char *hm_host_of(const struct hm_map *m, const char *job, const char *workload);	/* "" unknown */
const struct hm_host *hm_host(const struct hm_map *m, const char *name);
int hm_index(const struct hm_map *m, const char *job, const char *workload);	/* nh if unknown */
void hm_print_hosts(const struct hm_map *m, FILE *f);	/* markdown: hosts, accelerator warning */
void hm_free(struct hm_map *m);

#endif
