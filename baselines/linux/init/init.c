/* init: PID 1 of the Linux VM baseline (static musl, in the initramfs).
 * main() -> mounts() -> load_modules() (finit_module in name order, only when
 * ip= asks for a network) -> net_up() (ip=ADDR/PREFIX gw=ADDR, ioctls) ->
 * fork + exec of the program: an app's absolute path when the first word
 * after "--" is one (/usr/sbin/nginx -c ..., the app's own cpio is the
 * first archive of the initramfs), else the only file in /bin, with the
 * kernel's argv after "--" ->
 * reap -> power_off() writing the exit status to isa-debug-exit (port 0xf4).
 * Init never returns: every failure prints one "linux-vm: ..." line and powers
 * off with a reserved status (0x7e setup failed, 0x7d bad command line); a
 * workload killed by a signal or exiting above 127 is reported as 0x7f. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define EXIT_PORT      0xf4	/* QEMU isa-debug-exit: status = (val << 1) | 1 */
#define ST_SETUP_FAIL  0x7e
#define ST_BAD_CMDLINE 0x7d
#define ST_CRASH       0x7f	/* killed by a signal, or a status above 127 */
#define MOD_DIR        "/lib/modules"
#define APP_MOD_DIR    "/ukb/modules"	/* apps: beside, not inside, the app's tree */
#define APP_DIR        "/bin"
#define ETH_WAIT_MS    3000	/* how long eth0 may take to appear */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof buf - 2)
		n = sizeof buf - 2;
	buf[n++] = '\n';
	if (write(2, buf, (size_t)n) < 0)
		return;
}

static unsigned long long mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000;
}

/* Hand the status to the host and stop. isa-debug-exit makes QEMU exit at
 * once; without that device, fall back to an ACPI power-off. */
static void __attribute__((noreturn)) power_off(int status)
{
	sync();
	if (ioperm(EXIT_PORT, 1, 1) == 0)
		outb((unsigned char)status, EXIT_PORT);
	say("linux-vm: no isa-debug-exit at 0x%x, powering off (status %d lost)", EXIT_PORT, status);
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static void mounts(void)
{
	static const struct { const char *src, *dir, *type; } m[] = {
		{ "devtmpfs", "/dev", "devtmpfs" },
		{ "proc", "/proc", "proc" },
		{ "sysfs", "/sys", "sysfs" },
	};
	struct termios t;

	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
		mkdir(m[i].dir, 0755);
		if (mount(m[i].src, m[i].dir, m[i].type, MS_NOSUID | MS_NOEXEC, NULL) != 0 && errno != EBUSY) {
			say("linux-vm: mount %s on %s: %s", m[i].type, m[i].dir, strerror(errno));
			power_off(ST_SETUP_FAIL);
		}
	}
	/* If the kernel found no /dev/console in the archive, stdio is closed. */
	if (fcntl(1, F_GETFD) < 0) {
		int fd = open("/dev/console", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
	}
	/* The console is a tty: without this, every "\n" the workload writes
	 * reaches the host as "\r\n" (ONLCR). Pass its bytes through as they are. */
	if (tcgetattr(1, &t) == 0) {
		t.c_oflag &= ~(tcflag_t)OPOST;
		tcsetattr(1, TCSANOW, &t);
	}
}

/* Modules are named NN-name.ko so that name order is dependency order. */
static int load_modules(void)
{
	struct dirent **ents;
	const char *dir = APP_MOD_DIR;
	int n = scandir(dir, &ents, NULL, alphasort), loaded = 0;

	if (n < 0)
		n = scandir(dir = MOD_DIR, &ents, NULL, alphasort);
	if (n < 0)
		return 0;	/* no modules in this image */
	for (int i = 0; i < n; i++) {
		char path[300];
		int fd, rc;

		if (ents[i]->d_name[0] == '.')
			goto next;
		snprintf(path, sizeof path, "%s/%s", dir, ents[i]->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		rc = fd < 0 ? -1 : (int)syscall(SYS_finit_module, fd, "", 0);
		/* A kernel built without module support (linux-tiny) has these
		 * drivers built in: finit_module is ENOSYS, nothing to load. */
		if (rc != 0 && fd >= 0 && errno == ENOSYS) {
			close(fd);
			for (; i < n; i++)
				free(ents[i]);
			break;
		}
		if (rc != 0 && errno != EEXIST) {
			say("linux-vm: cannot load module %s: %s", ents[i]->d_name, strerror(errno));
			power_off(ST_SETUP_FAIL);
		}
		close(fd);
		loaded++;
next:
		free(ents[i]);
	}
	free(ents);
	return loaded;
}

/* Value of "key=" in the kernel command line, copied into out; 0 if absent. */
static int cmdline_get(const char *key, char *out, size_t outsz)
{
	char buf[4096], *tok, *save;
	size_t klen = strlen(key);
	int fd = open("/proc/cmdline", O_RDONLY), n;

	if (fd < 0)
		return 0;
	n = (int)read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		if (!strcmp(tok, "--"))
			break;	/* the workload's arguments follow */
		if (!strncmp(tok, key, klen) && tok[klen] == '=') {
			snprintf(out, outsz, "%s", tok + klen + 1);
			return 1;
		}
	}
	return 0;
}

static void set_addr(struct sockaddr *sa, struct in_addr a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = a };

	memcpy(sa, &sin, sizeof sin);
}

static int if_up(int s, const char *name)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		return -1;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

/* ip=ADDR/PREFIX [gw=ADDR]: address eth0, bring lo and eth0 up, default route. */
static void net_up(void)
{
	char ip[64], gw[64], *slash, *end;
	struct in_addr addr, mask, gwa;
	struct ifreq ifr = { 0 };
	long prefix;
	int s, waited = 0;

	if (!cmdline_get("ip", ip, sizeof ip))
		return;
	slash = strchr(ip, '/');
	prefix = slash ? strtol(slash + 1, &end, 10) : -1;
	if (slash)
		*slash = 0;
	if (!slash || *end || prefix < 0 || prefix > 32 || inet_pton(AF_INET, ip, &addr) != 1) {
		say("linux-vm: bad ip= on the kernel command line (want ip=ADDR/PREFIX)");
		power_off(ST_BAD_CMDLINE);
	}
	mask.s_addr = htonl(prefix ? 0xffffffffu << (32 - prefix) : 0);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || if_up(s, "lo") != 0) {
		say("linux-vm: cannot bring up lo: %s", strerror(errno));
		power_off(ST_SETUP_FAIL);
	}
	while (if_nametoindex("eth0") == 0) {
		if (waited >= ETH_WAIT_MS) {
			say("linux-vm: no eth0 after %d ms (virtio-net device attached? modules loaded?)", waited);
			power_off(ST_SETUP_FAIL);
		}
		usleep(10000);
		waited += 10;
	}
	snprintf(ifr.ifr_name, IFNAMSIZ, "eth0");
	set_addr(&ifr.ifr_addr, addr);
	if (ioctl(s, SIOCSIFADDR, &ifr) != 0)
		goto err;
	set_addr(&ifr.ifr_netmask, mask);
	if (ioctl(s, SIOCSIFNETMASK, &ifr) != 0 || if_up(s, "eth0") != 0)
		goto err;
	if (cmdline_get("gw", gw, sizeof gw)) {
		struct rtentry rt = { 0 };

		if (inet_pton(AF_INET, gw, &gwa) != 1) {
			say("linux-vm: bad gw= on the kernel command line (want gw=ADDR)");
			power_off(ST_BAD_CMDLINE);
		}
		set_addr(&rt.rt_dst, (struct in_addr){ 0 });
		set_addr(&rt.rt_genmask, (struct in_addr){ 0 });
		set_addr(&rt.rt_gateway, gwa);
		rt.rt_flags = RTF_UP | RTF_GATEWAY;
		if (ioctl(s, SIOCADDRT, &rt) != 0)
			goto err;
	}
	close(s);
	return;
err:
	say("linux-vm: configuring eth0 as %s/%ld: %s", ip, prefix, strerror(errno));
	power_off(ST_SETUP_FAIL);
}

/* The kernel's current clocksource ("tsc", "tsc-early", "kvm-clock", ...):
 * a jiffies one here means every timing taken in the guest is coarse. */
static void clocksource(char *out, size_t outsz)
{
	int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, out, outsz - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		n = snprintf(out, outsz, "unknown");
	out[n] = 0;
	out[strcspn(out, "\n")] = 0;
}

/* The workload is the one regular file in /bin. */
static void find_app(char *name, size_t namesz)
{
	DIR *d = opendir(APP_DIR);
	struct dirent *e;
	int found = 0;

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(name, namesz, "%s", e->d_name);
		found++;
	}
	if (d)
		closedir(d);
	if (found != 1) {
		say("linux-vm: expected exactly one workload in " APP_DIR ", found %d", found);
		power_off(ST_SETUP_FAIL);
	}
}

int main(int argc, char **argv)
{
	static char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/", NULL };
	char name[256], path[300], cs[64];
	unsigned long long t_init = mono_us(), t_mod;
	int nmod, status, code;
	pid_t pid;

	mounts();
	/* Only a networked run needs the virtio modules: as with udev, nothing
	 * is loaded for hardware the guest was not given. */
	nmod = cmdline_get("ip", name, sizeof name) ? load_modules() : 0;
	t_mod = mono_us();
	net_up();
	if (argc > 1 && argv[1][0] == '/') {
		/* an app: argv[1] is its program, argv[0] its path as on Linux */
		snprintf(path, sizeof path, "%s", argv[1]);
		argv++;
	} else {
		find_app(name, sizeof name);
		snprintf(path, sizeof path, APP_DIR "/%s", name);
		argv[0] = name;	/* argv[1..] are the kernel's arguments after "--" */
	}
	if (chdir("/") != 0)
		say("linux-vm: chdir /: %s", strerror(errno));
	clocksource(cs, sizeof cs);
	say("linux-vm: init_start_us=%llu modules=%d modules_us=%llu clocksource=%s",
	    t_init, nmod, t_mod - t_init, cs);
	say("linux-vm: ready_us=%llu init_to_exec", mono_us());
	pid = fork();
	if (pid == 0) {
		execve(path, argv, envp);
		say("linux-vm: cannot exec %s: %s", path, strerror(errno));
		_exit(127);
	}
	if (pid < 0) {
		say("linux-vm: fork: %s", strerror(errno));
		power_off(ST_SETUP_FAIL);
	}
	/* As PID 1 we also reap any orphans the workload leaves. */
	for (;;) {
		pid_t r = waitpid(-1, &status, 0);

		if (r == pid)
			break;
		if (r < 0 && errno == ECHILD) {
			say("linux-vm: lost the workload process");
			power_off(ST_SETUP_FAIL);
		}
	}
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	say("linux-vm: exit status=%d", code);
	/* QEMU's exit status holds 7 bits of it: larger ones become "crash". */
	power_off(code > 127 ? ST_CRASH : code);
}
