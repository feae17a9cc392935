/* app.h: apps as workloads — Debian's own programs, each defined by
 * workloads/apps/<name>/app.conf (or $UKBENCH_APPS/<name>/app.conf). Adding
 * an app is adding a folder; nothing here names one.
 *
 * app.conf is "key = value" lines, '#' comments. Keys:
 *   package    Debian package that installs the program (named when missing)
 *   program    absolute path of the program on the host (and in the cpio)
 *   args       its arguments, split at blanks (no quoting)
 *   rootfs     folder beside app.conf merged at / (configs, data); optional
 *   port       TCP port it serves on (servers)
 *   ready      http | redis | memcached | tcp (a server, probed on port)
 *              or exit (finished when it exits with status 0)
 *   load       wrk | redis-benchmark | memtext | sqlite-timer | none
 *   load_args  the load generator's arguments (wrk, redis-benchmark, memtext)
 *   pipeline   redis-benchmark -P values, one run each ("1 16")
 *   ops        sqlite-timer: operations the script performs
 *   compare    our own workload it is set beside in reports (httpd, kvstore)
 * Errors: app_parse() fails with "FILE:LINE: what is wrong" in (why). */
#ifndef APP_H
#define APP_H
#include <stddef.h>

#include "ukb.h"

enum { APP_LOAD_NONE, APP_LOAD_WRK, APP_LOAD_REDIS, APP_LOAD_MEMTEXT, APP_LOAD_SQLITE };

struct app_def {
	char name[UKB_NAME];
	char dir[UKB_PATH];		/* the app's folder */
	char package[128], program[UKB_PATH], args[512], rootfs[UKB_PATH];
	char ready[16], load_args[256], pipeline[64], compare[UKB_NAME];
	int port, load;
	long ops;
	char help[160];
	struct wl_info wl;		/* what the job driver sees */
};

int app_parse(const char *text, const char *path, const char *name, struct app_def *a,
	      char *why, size_t n);
int app_load(const char *dir, const char *name, struct app_def *a, char *why, size_t n);
/* Every app of the apps folder, loaded once; a malformed one is reported
 * ("ukbench: FILE:LINE: ...") and ukbench exits 2. */
const struct app_def *app_all(int *n);
const struct app_def *app_find(const char *name);
/* The program is installed (else: names the package and `make deps`). */
int app_check(const struct app_def *a, char *why, size_t n);
/* build/apps/<app>.cpio (made with the rootfs tool when missing or older
 * than the definition), its manifest (sha256 and path of every file), and
 * for tree != NULL the cpio unpacked into build/<tree>/<app>/. */
int app_build(const struct app_def *a, const char *tree, char *cpio, size_t cn, char *why,
	      size_t n);
/* The load phase of an app (wrk, redis-benchmark, memtext); sqlite-timer
 * is read from the output once the program exited (app_results). */
int app_load_phase(struct tg_run *r, const struct app_def *a, char *why, size_t n);
int app_results(struct tg_run *r, const struct app_def *a, char *why, size_t n);
/* The targets' hooks (app_tg.c): called by their prepare/launch for an app. */
void app_cmdline(const struct app_def *a, const struct tg_run *r, char *out, size_t n);
int app_native_prepare(struct tg_run *r, const struct app_def *a, char *why, size_t n);
int app_native_launch(struct tg_run *r, const struct app_def *a, char *why, size_t n);
int app_container_prepare(struct tg_run *r, const struct app_def *a, char *why, size_t n);
int app_linuxvm_initrd(struct tg_run *r, const struct app_def *a, char *initrd, size_t in,
		       char *why, size_t n);
int app_refkernel_prepare(struct tg_run *r, const struct app_def *a, char *why, size_t n);
int app_measure(struct tg_run *r, const struct app_def *a, char *why, size_t n);
/* A memcached text-protocol load: (conns) connections, gets and sets of
 * (keys) keys of (vsize) bytes, (get_pct)% gets, for (duration_ms); (tick) as
 * for lg_echo. */
int lg_memtext(const char *addr, int port, int conns, int keys, int vsize, int get_pct,
	       int duration_ms, uint64_t deadline, lg_tick_fn tick, void *ctx, struct lg_result *res,
	       char *why, size_t n);

#endif
