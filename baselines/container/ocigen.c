/* ocigen: write an OCI runtime config.json (runtime-spec 1.0) for one workload.
 * main() -> parse_args() -> emit(): process (args, no capabilities but
 * CAP_NET_BIND_SERVICE, no new privileges, nofile 1024), read-only root,
 * mounts (a tmpfs on /tmp with --tmp), namespaces (pid, network [joined by path with --netns], ipc, uts,
 * mount), masked paths, optional memory limit. Written to OUT.tmp, renamed.
 * Bad usage: one "ocigen: ..." line, exit 2; I/O errors exit 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct opts {
	const char *rootfs, *out, *netns, *hostname;
	int tmp;			/* --tmp: a tmpfs on /tmp (apps write there) */
	unsigned long long memory;	/* bytes, 0 = no limit */
	char **argv;			/* the workload's argv, argv[0] its path in the rootfs */
	int argc;
};

static void usage(const char *why)
{
	fprintf(stderr, "ocigen: %s (usage: ocigen --rootfs DIR --out FILE [--netns PATH] "
		"[--memory MiB] [--hostname NAME] [--tmp] -- /PROG [ARGS...])\n", why);
	exit(2);
}

/* A JSON string: quotes, backslash and control characters escaped. */
static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void jlist(FILE *f, const char *const *v, int n)
{
	fputc('[', f);
	for (int i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		jstr(f, v[i]);
	}
	fputc(']', f);
}

static void mount_entry(FILE *f, const char *dst, const char *type, const char *src,
			const char *const *o, int no, int last)
{
	fputs("\t\t{ \"destination\": ", f);
	jstr(f, dst);
	fputs(", \"type\": ", f);
	jstr(f, type);
	fputs(", \"source\": ", f);
	jstr(f, src);
	fputs(", \"options\": ", f);
	jlist(f, o, no);
	fputs(last ? " }\n" : " },\n", f);
}

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void emit(FILE *f, const struct opts *o)
{
	static const char *const caps[] = { "CAP_NET_BIND_SERVICE" };
	static const char *const env[] = { "PATH=/:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/" };
	static const char *const o_tmp[] = { "nosuid", "nodev", "mode=1777", "size=65536k" };
	static const char *const o_proc[] = { "nosuid", "noexec", "nodev" };
	static const char *const o_dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k" };
	static const char *const o_pts[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620" };
	static const char *const o_shm[] = { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" };
	static const char *const o_mq[] = { "nosuid", "noexec", "nodev" };
	static const char *const o_sys[] = { "nosuid", "noexec", "nodev", "ro" };
	static const char *const masked[] = { "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
		"/sys/firmware", "/proc/scsi" };
	static const char *const ro[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
		"/proc/sysrq-trigger" };

	fputs("{\n\t\"ociVersion\": \"1.0.2\",\n\t\"process\": {\n\t\t\"terminal\": false,\n", f);
	fputs("\t\t\"user\": { \"uid\": 0, \"gid\": 0 },\n\t\t\"args\": ", f);
	jlist(f, (const char *const *)o->argv, o->argc);
	fputs(",\n\t\t\"env\": ", f);
	jlist(f, env, N(env));
	fputs(",\n\t\t\"cwd\": \"/\",\n\t\t\"capabilities\": {\n", f);
	fputs("\t\t\t\"bounding\": ", f);
	jlist(f, caps, N(caps));
	fputs(",\n\t\t\t\"effective\": ", f);
	jlist(f, caps, N(caps));
	fputs(",\n\t\t\t\"permitted\": ", f);
	jlist(f, caps, N(caps));
	fputs(",\n\t\t\t\"inheritable\": [],\n\t\t\t\"ambient\": []\n\t\t},\n", f);
	fputs("\t\t\"rlimits\": [ { \"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024 } ],\n", f);
	fputs("\t\t\"noNewPrivileges\": true\n\t},\n\t\"root\": { \"path\": ", f);
	jstr(f, o->rootfs);
	fputs(", \"readonly\": true },\n\t\"hostname\": ", f);
	jstr(f, o->hostname);
	fputs(",\n\t\"mounts\": [\n", f);
	mount_entry(f, "/proc", "proc", "proc", o_proc, N(o_proc), 0);
	mount_entry(f, "/dev", "tmpfs", "tmpfs", o_dev, N(o_dev), 0);
	mount_entry(f, "/dev/pts", "devpts", "devpts", o_pts, N(o_pts), 0);
	mount_entry(f, "/dev/shm", "tmpfs", "shm", o_shm, N(o_shm), 0);
	mount_entry(f, "/dev/mqueue", "mqueue", "mqueue", o_mq, N(o_mq), 0);
	if (o->tmp)
		mount_entry(f, "/tmp", "tmpfs", "tmpfs", o_tmp, N(o_tmp), 0);
	mount_entry(f, "/sys", "sysfs", "sysfs", o_sys, N(o_sys), 1);
	fputs("\t],\n\t\"linux\": {\n\t\t\"resources\": {\n", f);
	fputs("\t\t\t\"devices\": [ { \"allow\": false, \"access\": \"rwm\" } ]", f);
	if (o->memory)
		fprintf(f, ",\n\t\t\t\"memory\": { \"limit\": %llu, \"swap\": %llu }", o->memory, o->memory);
	fputs("\n\t\t},\n\t\t\"namespaces\": [\n\t\t\t{ \"type\": \"pid\" },\n\t\t\t{ \"type\": \"network\"", f);
	if (o->netns) {
		fputs(", \"path\": ", f);
		jstr(f, o->netns);
	}
	fputs(" },\n\t\t\t{ \"type\": \"ipc\" },\n\t\t\t{ \"type\": \"uts\" },\n\t\t\t{ \"type\": \"mount\" }\n\t\t],\n", f);
	fputs("\t\t\"maskedPaths\": ", f);
	jlist(f, masked, N(masked));
	fputs(",\n\t\t\"readonlyPaths\": ", f);
	jlist(f, ro, N(ro));
	fputs("\n\t}\n}\n", f);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *end;

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "--tmp")) {
			o->tmp = 1;
			continue;
		}
		if (i + 1 >= argc)
			usage("missing value or workload");
		if (!strcmp(a, "--rootfs")) {
			o->rootfs = argv[++i];
		} else if (!strcmp(a, "--out")) {
			o->out = argv[++i];
		} else if (!strcmp(a, "--netns")) {
			o->netns = argv[++i];
			if (access(o->netns, R_OK) != 0)
				usage("--netns path does not exist");
		} else if (!strcmp(a, "--hostname")) {
			o->hostname = argv[++i];
		} else if (!strcmp(a, "--memory")) {
			unsigned long long mib = strtoull(argv[++i], &end, 10);

			if (*end || mib == 0 || mib > (1ull << 30))
				usage("--memory wants a whole number of MiB");
			o->memory = mib << 20;
		} else {
			usage("unknown option");
		}
	}
	if (!o->rootfs || !o->out)
		usage("--rootfs and --out are required");
	if (i >= argc || argv[i][0] != '/')
		usage("the workload's path in the rootfs (absolute) must follow --");
	o->argv = argv + i;
	o->argc = argc - i;
}

int main(int argc, char **argv)
{
	struct opts o = { .hostname = "ukbench" };
	char tmp[4096];
	FILE *f;

	parse_args(argc, argv, &o);
	if (strlen(o.out) + sizeof ".tmp" > sizeof tmp)
		usage("--out path too long");
	snprintf(tmp, sizeof tmp, "%s.tmp", o.out);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "ocigen: cannot create %s: %s\n", tmp, strerror(errno));
		return 1;
	}
	emit(f, &o);
	if (fclose(f) != 0 || rename(tmp, o.out) != 0) {
		fprintf(stderr, "ocigen: cannot write %s: %s\n", o.out, strerror(errno));
		unlink(tmp);
		return 1;
	}
	return 0;
}
