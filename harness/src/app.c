#define _GNU_SOURCE
/* app.c: app definitions (contract in app.h). app_all() scans the apps
 * folder once -> app_load() -> app_parse() per app.conf; app_build() makes
 * the app's cpio with the refkernel's rootfs tool and unpacks it for the
 * container and native targets. */
#include <dirent.h>
#include <ftw.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app.h"

static const struct {
	const char *name, *probe, *reply;
} readies[] = {
	{ "http", "GET / HTTP/1.0\r\n\r\n", "HTTP/1." },
	{ "redis", "PING\r\n", "+PONG" },
	{ "memcached", "version\r\n", "VERSION " },
	{ "tcp", "", "" },
	{ "exit", NULL, NULL },
};

static const char *const loads[] = { "none", "wrk", "redis-benchmark", "memtext", "sqlite-timer" };

static int bad(char *why, size_t n, const char *path, int line, const char *fmt, const char *arg)
{
	int k = snprintf(why, n, "%s:%d: ", path, line);

	if (k >= 0 && (size_t)k < n)
		snprintf(why + k, n - (size_t)k, fmt, arg);
	return -1;
}

static int set_str(char *dst, size_t dn, const char *v, const char *path, int line, const char *key,
		   char *why, size_t n)
{
	if (strlen(v) >= dn)
		return bad(why, n, path, line, "%s: value too long", key);
	ut_strlcpy(dst, v, dn);
	return 0;
}

int app_parse(const char *text, const char *path, const char *name, struct app_def *a,
	      char *why, size_t n)
{
	char buf[1024];
	int line = 0, seen_port = 0;
	const char *p = text;

	memset(a, 0, sizeof(*a));
	if (!rs_valid_name(name))
		return bad(why, n, path, 0, "'%s' is not a valid app name (letters, digits, - _)", name);
	ut_strlcpy(a->name, name, sizeof a->name);
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		line++;
		if (l >= sizeof buf)
			return bad(why, n, path, line, "line too long%s", "");
		memcpy(buf, p, l);
		buf[l] = '\0';
		p += l + (e ? 1 : 0);
		char *s = ut_trim(buf);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq)
			return bad(why, n, path, line, "expected 'key = value', got '%s'", s);
		*eq = '\0';
		char *k = ut_trim(s), *v = ut_trim(eq + 1);
		int r = 0;

		if (!*v)
			return bad(why, n, path, line, "%s: empty value", k);
		if (!strcmp(k, "package"))
			r = set_str(a->package, sizeof a->package, v, path, line, k, why, n);
		else if (!strcmp(k, "program")) {
			if (v[0] != '/')
				return bad(why, n, path, line, "program must be an absolute path, not '%s'", v);
			r = set_str(a->program, sizeof a->program, v, path, line, k, why, n);
		} else if (!strcmp(k, "args"))
			r = set_str(a->args, sizeof a->args, v, path, line, k, why, n);
		else if (!strcmp(k, "rootfs")) {
			if (v[0] == '/' || strstr(v, ".."))
				return bad(why, n, path, line, "rootfs must be a folder beside app.conf, not '%s'", v);
			r = set_str(a->rootfs, sizeof a->rootfs, v, path, line, k, why, n);
		} else if (!strcmp(k, "port")) {
			char *end;
			long port = strtol(v, &end, 10);
			if (*end || port < 1 || port > 65535)
				return bad(why, n, path, line, "port must be 1-65535, not '%s'", v);
			a->port = (int)port;
			seen_port = 1;
		} else if (!strcmp(k, "ready")) {
			size_t i;
			for (i = 0; i < sizeof readies / sizeof readies[0]; i++)
				if (!strcmp(v, readies[i].name))
					break;
			if (i == sizeof readies / sizeof readies[0])
				return bad(why, n, path, line,
					   "ready must be http, redis, memcached, tcp or exit, not '%s'", v);
			r = set_str(a->ready, sizeof a->ready, v, path, line, k, why, n);
		} else if (!strcmp(k, "load")) {
			size_t i;
			for (i = 0; i < sizeof loads / sizeof loads[0]; i++)
				if (!strcmp(v, loads[i]))
					break;
			if (i == sizeof loads / sizeof loads[0])
				return bad(why, n, path, line,
					   "load must be wrk, redis-benchmark, memtext, sqlite-timer or none, not '%s'", v);
			a->load = (int)i;
		} else if (!strcmp(k, "load_args"))
			r = set_str(a->load_args, sizeof a->load_args, v, path, line, k, why, n);
		else if (!strcmp(k, "pipeline")) {
			for (const char *c = v; *c; c++)
				if (!((*c >= '0' && *c <= '9') || *c == ' '))
					return bad(why, n, path, line, "pipeline wants numbers ('1 16'), not '%s'", v);
			r = set_str(a->pipeline, sizeof a->pipeline, v, path, line, k, why, n);
		} else if (!strcmp(k, "ops")) {
			char *end;
			a->ops = strtol(v, &end, 10);
			if (*end || a->ops <= 0)
				return bad(why, n, path, line, "ops must be a positive number, not '%s'", v);
		} else if (!strcmp(k, "compare"))
			r = set_str(a->compare, sizeof a->compare, v, path, line, k, why, n);
		else
			return bad(why, n, path, line, "unknown key '%s'", k);
		if (r)
			return -1;
	}
	if (!a->package[0])
		return bad(why, n, path, line, "no 'package' (the Debian package of the program)%s", "");
	if (!a->program[0])
		return bad(why, n, path, line, "no 'program' (its absolute path)%s", "");
	if (!a->ready[0])
		return bad(why, n, path, line, "no 'ready' (http, redis, memcached, tcp or exit)%s", "");
	int server = strcmp(a->ready, "exit") != 0;
	if (server && !seen_port)
		return bad(why, n, path, line, "ready = %s needs a 'port'", a->ready);
	if (!server && (a->load == APP_LOAD_WRK || a->load == APP_LOAD_REDIS || a->load == APP_LOAD_MEMTEXT))
		return bad(why, n, path, line, "load = %s needs a server (ready is not exit)", loads[a->load]);
	if (server && a->load == APP_LOAD_SQLITE)
		return bad(why, n, path, line, "load = sqlite-timer needs ready = exit%s", "");
	if (a->load == APP_LOAD_SQLITE && a->ops <= 0)
		return bad(why, n, path, line, "load = sqlite-timer needs 'ops'%s", "");

	for (size_t i = 0; i < sizeof readies / sizeof readies[0]; i++)
		if (!strcmp(a->ready, readies[i].name)) {
			a->wl.probe = readies[i].probe;
			a->wl.reply = readies[i].reply;
		}
	snprintf(a->help, sizeof a->help, "app: %s (Debian %s)%s%s", a->program, a->package,
		 a->load ? ", " : "", a->load ? loads[a->load] : "");
	a->wl.name = a->name;
	a->wl.ready_exit = !server;
	a->wl.help = a->help;
	a->wl.port = a->port;
	return 0;
}

int app_load(const char *dir, const char *name, struct app_def *a, char *why, size_t n)
{
	char path[UKB_PATH];
	struct ut_buf b = { 0 };

	snprintf(path, sizeof path, "%s/%s/app.conf", dir, name);
	if (ut_read_file(path, &b) != 0) {
		snprintf(why, n, "%s: %s", path, strerror(errno));
		return -1;
	}
	int r = app_parse(b.p, path, name, a, why, n);
	ut_buf_free(&b);
	if (r == 0)
		snprintf(a->dir, sizeof a->dir, "%s/%s", dir, name);
	return r;
}

#define APP_MAX 64
static struct app_def apps[APP_MAX];
static int napps = -1;

static int by_name(const void *x, const void *y)
{
	return strcmp(((const struct app_def *)x)->name, ((const struct app_def *)y)->name);
}

const struct app_def *app_all(int *n)
{
	if (napps < 0) {
		char dir[UKB_PATH], why[UKB_WHY + UKB_PATH];
		const char *env = getenv("UKBENCH_APPS");
		DIR *d;
		struct dirent *e;

		if (env && *env)
			ut_strlcpy(dir, env, sizeof dir);
		else
			snprintf(dir, sizeof dir, "%s/workloads/apps", ut_root());
		napps = 0;
		d = opendir(dir);
		while (d && (e = readdir(d))) {
			char conf[UKB_PATH + 300];
			if (e->d_name[0] == '.')
				continue;
			snprintf(conf, sizeof conf, "%s/%s/app.conf", dir, e->d_name);
			if (access(conf, F_OK) != 0)
				continue;
			if (napps == APP_MAX) {
				ut_err("%s: more than %d apps", dir, APP_MAX);
				exit(2);
			}
			if (app_load(dir, e->d_name, &apps[napps], why, sizeof why) != 0) {
				ut_err("%s", why);
				exit(2);
			}
			napps++;
		}
		if (d)
			closedir(d);
		qsort(apps, (size_t)napps, sizeof apps[0], by_name);
		for (int i = 0; i < napps; i++) {	/* the wl_info points into its app */
			apps[i].wl.name = apps[i].name;
			apps[i].wl.help = apps[i].help;
		}
	}
	*n = napps;
	return apps;
}

const struct app_def *app_find(const char *name)
{
	int n;
	const struct app_def *a = app_all(&n);

	for (int i = 0; i < n; i++)
		if (!strcmp(a[i].name, name))
			return &a[i];
	return NULL;
}

int app_check(const struct app_def *a, char *why, size_t n)
{
	if (access(a->program, X_OK) != 0) {
		snprintf(why, n, "app %s: %s is missing: Debian package %s is not installed (make deps)",
			 a->name, a->program, a->package);
		return -1;
	}
	return 0;
}

/* (cmd) under sh with a time limit; 0 if it exited 0. Its stderr goes to
 * (errf), the first line of which becomes the reason. */
static int sh(const char *cmd, const char *errf, const char *what, char *why, size_t n)
{
	char full[8192];

	snprintf(full, sizeof full, "timeout -k 5 300 sh -c '%s' 2>%s", cmd, errf);
	int st = system(full);
	if (st == 0)
		return 0;
	char line[UKB_WHY] = "";
	FILE *f = fopen(errf, "r");
	if (f) {
		if (!fgets(line, sizeof line, f))
			line[0] = '\0';
		fclose(f);
	}
	line[strcspn(line, "\n")] = '\0';
	snprintf(why, n, "%s failed (status %d)%s%s", what, WIFEXITED(st) ? WEXITSTATUS(st) : -1,
		 line[0] ? ": " : "", line);
	return -1;
}

static long long mtime_of(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? (long long)st.st_mtime : -1;
}

/* Newest mtime of a tree (the app's rootfs/), -1 if none. */
static long long newest;
static int newer(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)p, (void)flag, (void)f;
	if ((long long)st->st_mtime > newest)
		newest = (long long)st->st_mtime;
	return 0;
}

static long long tree_mtime(const char *dir)
{
	newest = -1;
	nftw(dir, newer, 16, FTW_PHYS);
	return newest;
}

int app_build(const struct app_def *a, const char *tree, char *cpio, size_t cn, char *why, size_t n)
{
	char tool[UKB_PATH], man[UKB_PATH], errf[UKB_PATH], cmd[6144], dir[UKB_PATH], stamp[UKB_PATH + 8];
	char conf[UKB_PATH + 16];

	if (app_check(a, why, n) != 0)
		return -1;
	snprintf(cpio, cn, "%s/apps/%s.cpio", ut_build(), a->name);
	snprintf(man, sizeof man, "%s/apps/%s.manifest", ut_build(), a->name);
	snprintf(errf, sizeof errf, "%s/apps/.%s.err.%d", ut_build(), a->name, (int)getpid());
	snprintf(tool, sizeof tool, "%s/refkernel/rootfs", ut_build());
	snprintf(conf, sizeof conf, "%s/app.conf", a->dir);
	snprintf(dir, sizeof dir, "%s/apps", ut_build());
	if (ut_mkdirs(dir) != 0) {
		snprintf(why, n, "cannot create %s", dir);
		return -1;
	}
	if (access(tool, X_OK) != 0) {
		snprintf(why, n, "%s not built (make -C refkernel %s)", tool, tool);
		return -1;
	}
	char tree_dir[UKB_PATH + 300];
	snprintf(tree_dir, sizeof tree_dir, "%s/%s", a->dir, a->rootfs);
	if (mtime_of(cpio) < mtime_of(conf) || mtime_of(cpio) < mtime_of(a->program) ||
	    (a->rootfs[0] && mtime_of(cpio) < tree_mtime(tree_dir))) {
		char rfs[UKB_PATH + 16] = "";
		if (a->rootfs[0])
			snprintf(rfs, sizeof rfs, "--rootfs %s/%s", a->dir, a->rootfs);
		snprintf(cmd, sizeof cmd, "%s %s -o %s %s", tool, rfs, cpio, a->program);
		if (sh(cmd, errf, "rootfs", why, n) != 0)
			return -1;
	}
	/* the manifest: sha256 and path of every file, from the archive itself */
	if (mtime_of(man) < mtime_of(cpio)) {
		snprintf(cmd, sizeof cmd,
			 "t=$(mktemp -d) && cd $t && cpio -idm --quiet < %s && "
			 "find . -type f | LC_ALL=C sort | xargs -r sha256sum > %s.tmp; "
			 "s=$?; cd / && rm -rf $t && [ $s = 0 ] && mv %s.tmp %s",
			 cpio, man, man, man);
		if (sh(cmd, errf, "manifest", why, n) != 0)
			return -1;
	}
	if (tree) {
		snprintf(dir, sizeof dir, "%s/%s/%s", ut_build(), tree, a->name);
		snprintf(stamp, sizeof stamp, "%s/%s", dir, strcmp(tree, "native") ? "app" : ".app");
		if (strcmp(tree, "native"))	/* container: the tree is the bundle's rootfs/ */
			snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "/rootfs");
		if (mtime_of(stamp) < mtime_of(cpio)) {
			snprintf(cmd, sizeof cmd,
				 "rm -rf %s && mkdir -p %s && cd %s && cpio -idm --quiet < %s && "
				 "sha256sum %s | cut -d\" \" -f1 > %s",
				 dir, dir, dir, cpio, cpio, stamp);
			if (sh(cmd, errf, "unpacking the app", why, n) != 0)
				return -1;
		}
	}
	unlink(errf);
	return 0;
}
