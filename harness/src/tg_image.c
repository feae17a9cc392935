/* tg_image.c: other systems' images beside ours. `qemu-image` boots any
 * kernel described by a [target NAME] section on the QEMU targets' common path
 * (tg_qemu.c): prepare expands %-substitutions, adds the chosen network
 * device, disks and a second isa-debug-exit. `command` runs any VMM (or any
 * program) as a command line: prepare -> launch -> wait_ready (exit, marker,
 * port) -> measure -> stop (then its cleanup command).
 * Also here, for every VM target: how a launch ended (exit status against the
 * accepted list, a reset told apart by QMP's SHUTDOWN event), the footprint at
 * readiness (PSS) and the peak RSS, and the shell-quoted launch line.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ukb.h"

/* ---- substitutions ---- */

/* microvm's virtio-mmio transports (QEMU 7.2 hw/i386/microvm.c): at
 * 0xfeb00000 + 512 * slot; with ACPI (the default) a second IOAPIC gives 24
 * transports on GSI 24 + slot; acpi=off or ioapic2=off leave 8, on GSI 5 +
 * slot (16 + slot with ACPI). Devices take the highest free slot first, in
 * command-line order. */
static void mmio_layout(const char *machine, int *ntrans, int *irqbase)
{
	int acpi = !strstr(machine, "acpi=off"), io2 = acpi && !strstr(machine, "ioapic2=off");

	*ntrans = io2 ? 24 : 8;
	*irqbase = io2 ? 24 : acpi ? 16 : 5;
}

static int is_microvm(const char *machine)
{
	return !strncmp(machine, "microvm", 7);
}

static const char *machine_of(const struct tg_spec *s)
{
	return s->machine[0] ? s->machine : "microvm";
}

static int net_is_mmio(const struct tg_run *r)
{
	const char *m = machine_of(r->spec);

	return r->net.active && (r->spec->net_device == TG_NET_VIRTIO_MMIO ||
				 (r->spec->net_device == TG_NET_DEFAULT && is_microvm(m)));
}

/* %v: the virtio_mmio.device= entries of the devices ukbench adds (the
 * network device first, then the disks), as Linux's virtio_mmio driver reads
 * them; "" on other machine types. */
static void mmio_entries(const struct tg_run *r, char *out, size_t n)
{
	const char *m = machine_of(r->spec);
	int ntrans, irq, slot, k = 0;
	size_t len = 0;

	out[0] = '\0';
	if (!is_microvm(m) || r->spec->ops != &tg_qemu_image_ops)
		return;
	mmio_layout(m, &ntrans, &irq);
	int ndev = net_is_mmio(r) + r->spec->ndisks;

	for (k = 0; k < ndev && k < ntrans && len < n; k++) {
		slot = ntrans - 1 - k;
		len += (size_t)snprintf(out + len, n - len, "%svirtio_mmio.device=512@0x%x:%d",
					k ? " " : "", 0xfeb00000u + 512u * (unsigned)slot, irq + slot);
	}
}

/* %w workload, %a its arguments, %k host TSC kHz, %i the guest's
 * address/prefix, %g its gateway, %m memory in MiB, %v microvm's mmio
 * entries, %t the tap's name, %K %R %D the kernel, initrd and disks (command),
 * %% a percent sign; anything else is kept as written. */
static void expand(char *out, size_t n, const char *tmpl, const struct tg_run *r)
{
	size_t k = 0;
	int user = r->net.kind == NT_USER;

	for (const char *p = tmpl; *p && k + 1 < n; p++) {
		char tmp[1024];
		const char *ins = NULL;

		if (*p == '%' && p[1]) {
			p++;
			ins = tmp;
			switch (*p) {
			case 'w': ins = r->workload; break;
			case 'a': ins = r->args; break;
			case 'k': snprintf(tmp, sizeof tmp, "%.0f", ut_tsc_khz()); break;
			case 'i': ins = user ? "10.0.2.15/24" : NT_GUEST_IP "/24"; break;
			case 'g': ins = user ? "10.0.2.2" : NT_HOST_IP; break;
			case 'm': snprintf(tmp, sizeof tmp, "%d", r->mem_mib); break;
			case 'v': mmio_entries(r, tmp, sizeof tmp); break;
			case 't': ins = r->spec->tap[0] ? r->spec->tap : "tap0"; break;
			case 'K': ins = r->image; break;
			case 'R': ins = r->nfiles > 1 && r->spec->initrd[0] ? r->files[1] : ""; break;
			case 'D': {
				size_t l = 0;

				tmp[0] = '\0';
				for (int i = r->nfiles - r->spec->ndisks; i < r->nfiles && i >= 0; i++)
					l += (size_t)snprintf(tmp + l, sizeof tmp - l, "%s%s", l ? " " : "",
							      r->files[i]);
				break;
			}
			case '%': ins = "%"; break;
			default: snprintf(tmp, sizeof tmp, "%%%c", *p);
			}
		}
		if (ins) {
			k += (size_t)snprintf(out + k, n - k, "%s", ins);
			if (k >= n)
				k = n - 1;
		} else {
			out[k++] = *p;
		}
	}
	out[k] = '\0';
}

static int need_file(struct tg_run *r, const char *tmpl, char *out, size_t outn, const char *what,
		     char *why, size_t n)
{
	char buf[UKB_PATH];
	long long sz;

	expand(buf, sizeof buf, tmpl, r);
	ut_path(out, outn, buf);
	char *canon = realpath(out, NULL);	/* "dir/../x" recorded as the file it is */

	if (canon && strlen(canon) < outn)
		strcpy(out, canon);
	free(canon);
	sz = ut_file_size(out);
	if (sz < 0) {
		snprintf(why, n, "%s not found: %s of target %s", out, what, r->spec->name);
		return -1;
	}
	r->image_size += sz;
	if (r->nfiles < (int)(sizeof r->files / sizeof r->files[0]))
		ut_strlcpy(r->files[r->nfiles++], out, sizeof r->files[0]);
	return 0;
}

/* kernel, initrd and disks: every file the launch needs, counted in
 * image_size and hashed into meta.json (files[0] kernel, [1] initrd if any,
 * then the disks). */
static int launch_files(struct tg_run *r, char *why, size_t n)
{
	const struct tg_spec *s = r->spec;
	char path[UKB_PATH];

	if (s->kernel[0] && need_file(r, s->kernel, r->image, sizeof r->image, "kernel", why, n))
		return -1;
	if (s->initrd[0] && need_file(r, s->initrd, path, sizeof path, "initrd", why, n))
		return -1;
	for (int i = 0; i < s->ndisks; i++)
		if (need_file(r, s->disks[i], path, sizeof path, "disk", why, n))
			return -1;
	return 0;
}

/* ---- qemu-image ---- */

static int image_prepare(struct tg_run *r, char *why, size_t n)
{
	const struct tg_spec *s = r->spec;
	const char *m = machine_of(s);
	char buf[2048];

	if (!r->mem_mib)
		r->mem_mib = TG_MEM_MIB;
	if (launch_files(r, why, n))
		return -1;
	tg_qemu_base(r, m);	/* the network device first: the top mmio slot */
	for (int i = 0; i < s->ndisks; i++) {
		const char *path = r->files[r->nfiles - s->ndisks + i];

		tg_arg(r, "-drive");
		tg_arg(r, "file=%s,if=none,id=disk%d,format=raw,snapshot=on", path, i);
		tg_arg(r, "-device");
		tg_arg(r, "%s,drive=disk%d", is_microvm(m) ? "virtio-blk-device" : "virtio-blk-pci", i);
	}
	expand(buf, sizeof buf, s->qemu_args, r);
	tg_args_words(r, buf);
	tg_arg(r, "-kernel");
	tg_arg(r, "%s", r->image);
	if (s->initrd[0]) {
		tg_arg(r, "-initrd");
		tg_arg(r, "%s", r->files[1]);
	}
	if (s->append[0]) {
		expand(buf, sizeof buf, s->append, r);
		tg_arg(r, "-append");
		tg_arg(r, "%s", buf);
	}
	return 0;
}

const struct tg_ops tg_qemu_image_ops = {
	.kind = "qemu-image",
	.help = "any kernel image described by a [target NAME] section of an experiment",
	.prepare = image_prepare,
	.launch = tg_qemu_launch,
	.wait_ready = tg_qemu_wait_ready,
	.measure = tg_qemu_measure,
	.stop = tg_qemu_stop,
};

/* ---- how a launch ended ---- */

static int accepted(const struct tg_spec *s, int st)
{
	if (!s->nexit)
		return st == s->exit_ok;
	for (int i = 0; i < s->nexit; i++)
		if (s->exit_list[i] == st)
			return 1;
	return 0;
}

static void expected(const struct tg_spec *s, char *out, size_t n)
{
	size_t l = 0;

	out[0] = '\0';
	if (!s->nexit)
		snprintf(out, n, "%d", s->exit_ok);
	for (int i = 0; i < s->nexit && l < n; i++)
		l += (size_t)snprintf(out + l, n - l, "%s%d", i ? " or " : "", s->exit_list[i]);
}

/* The SHUTDOWN event's reason ("guest-reset", "guest-shutdown", ...) in
 * (out), "" if QEMU sent none (isa-debug-exit exits at once). */
static void shutdown_reason(struct tg_run *r, char *out, size_t n)
{
	struct ut_buf ev = { 0 };
	const char *p, *q;

	out[0] = '\0';
	if (r->qmp < 0)
		return;
	qmp_events(r->qmp, ut_now_ns() + 500000000ull, &ev);
	close(r->qmp);	/* read to its end: nothing more will come */
	r->qmp = -1;
	if (ev.p && (p = strstr(ev.p, "\"SHUTDOWN\"")) && (q = strstr(p, "\"reason\": \""))) {
		q += strlen("\"reason\": \"");
		snprintf(out, n, "%.*s", (int)strcspn(q, "\""), q);
	} else if (ev.p && strstr(ev.p, "\"RESET\"")) {
		snprintf(out, n, "guest-reset");
	}
	ut_buf_free(&ev);
}

void tg_console_tail(const struct tg_run *r, int lines, char *out, size_t n)
{
	const char *p = r->proc.out.p, *end, *start;
	int k = 0;

	out[0] = '\0';
	if (!p)
		return;
	end = p + r->proc.out.len;
	while (end > p && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	start = end;
	while (start > p && k < lines) {
		start--;
		if (*start == '\n' && ++k == lines) {
			start++;
			break;
		}
	}
	size_t l = 0;

	for (const char *c = start; c < end && l + 4 < n; c++) {	/* lines joined by " | " */
		if (*c == '\r')
			continue;
		if (*c == '\n') {
			l += (size_t)snprintf(out + l, n - l, " | ");
			continue;
		}
		out[l++] = (*c >= 0x20 && *c < 0x7f) ? *c : '?';
	}
	out[l < n ? l : n - 1] = '\0';
}

/* How the launch ended, in words; r->end records it. Our own guests use the
 * refkernel's exit-code meaning, foreign ones QEMU's (or the command's)
 * status against what the target expects. */
void tg_end_why(struct tg_run *r, int st, char *out, size_t n)
{
	char reason[48], exp[64];
	const char *who = r->spec->ops == &tg_command_ops ? "command" : "QEMU";

	if (!r->end[0]) {
		shutdown_reason(r, reason, sizeof reason);
		if (reason[0])
			snprintf(r->end, sizeof r->end, "%s", reason);
		else if (st > 128 && st < 128 + 65)
			snprintf(r->end, sizeof r->end, "signal %d", st - 128);
		else
			snprintf(r->end, sizeof r->end, "exit %d", st);
	}
	expected(r->spec, exp, sizeof exp);
	if (!strcmp(r->end, "guest-reset"))
		snprintf(out, n, "guest reset (QMP SHUTDOWN, reason guest-reset; with -no-reboot QEMU "
			 "exited with status %d)%s", st, r->spec->reset_ok ? "" :
			 ": a reset is a failure unless the target says reset_ok = yes");
	else if (!strncmp(r->end, "guest-", 6) || !strncmp(r->end, "host-", 5))
		snprintf(out, n, "%s exited with status %d after QMP SHUTDOWN, reason %s (expected %s)",
			 who, st, r->end, exp);
	else if (r->spec->foreign || r->spec->ops == &tg_command_ops)
		snprintf(out, n, "%s exited with status %d (expected %s)", who, st, exp);
	else
		snprintf(out, n, "%s", tg_status_why(st));
}

/* ready = exit: the process's status against the accepted ones; a reset
 * fails unless reset_ok. 0, or -1 with why (and the console's last lines). */
int tg_exit_check(struct tg_run *r, char *why, size_t n)
{
	char how[UKB_WHY], tail[200];
	int st = r->proc.status, ok;

	tg_end_why(r, st, how, sizeof how);
	ok = !strcmp(r->end, "guest-reset") ? r->spec->reset_ok : accepted(r->spec, st);
	if (ok)
		return 0;
	if (r->spec->foreign || r->spec->ops == &tg_command_ops) {
		tg_console_tail(r, 3, tail, sizeof tail);
		snprintf(why, n, "%s; console: %s", how, tail[0] ? tail : "(nothing)");
	} else {
		snprintf(why, n, "%s; last output: %.150s", how, tg_last_line(r));
	}
	return -1;
}

/* ---- footprint ---- */

void tg_ready_footprint(struct tg_run *r)
{
	if (r->proc.pid > 0 && !r->proc.exited) {
		r->pss_ready = tg_pss_kib(r->proc.pid);
		/* QEMU: how much of it is the guest's RAM (density.c) */
		r->pss_split = r->argc && !strncmp(r->argv[0], "qemu-system", 11) &&
			       dn_qemu_split(r->proc.pid, r->mem_kib > 0 ? r->mem_kib :
					     r->mem_mib * 1024L, &r->pss_guest, &r->pss_tcg,
					     &r->pss_anon) == 0;
	}
}

static long vm_hwm(pid_t pid)
{
	char path[64];
	struct ut_buf b = { 0 };
	const char *p;
	long v = 0;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (ut_read_file(path, &b) == 0 && b.p && (p = strstr(b.p, "\nVmHWM:")))
		v = atol(p + 7);
	ut_buf_free(&b);
	return v;
}

/* pss_ready: PSS of the VMM and its children at readiness (alive only: a
 * guest ready at exit has none); QEMU's split into pss_guest_ram, pss_vmm
 * (the rest) and pss_tcg_buffer (part of pss_vmm). rss_peak: the VMM's peak RSS, from wait4's
 * ru_maxrss once it exited, else /proc/PID/status VmHWM so far. */
void tg_peak_rss(struct tg_run *r)
{
	long peak = r->proc.exited ? r->proc.maxrss_kib : vm_hwm(r->proc.pid);

	if (r->pss_ready > 0)
		tg_sample(r, "pss_ready", (double)r->pss_ready);
	if (r->pss_ready > 0 && r->pss_split) {	/* the VMM's own share (docs/methodology.md) */
		tg_sample(r, "pss_guest_ram", (double)r->pss_guest);
		tg_sample(r, "pss_vmm", (double)(r->pss_ready - r->pss_guest));
		tg_sample(r, "pss_tcg_buffer", (double)r->pss_tcg);
		tg_sample(r, "pss_vmm_anon", (double)r->pss_anon);
	}
	if (peak > 0)
		tg_sample(r, "rss_peak", (double)peak);
}

/* ---- the launch line, pasteable into a shell ---- */

void tg_shell_quote(struct ut_buf *b, const char *a)
{
	int plain = *a != '\0';

	for (const char *c = a; *c && plain; c++)
		plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			       "@%+=:,./_-", *c) != NULL;
	if (plain) {
		ut_buf_add(b, a, strlen(a));
		return;
	}
	ut_buf_add(b, "'", 1);
	for (const char *c = a; *c; c++)
		if (*c == '\'')
			ut_buf_add(b, "'\\''", 4);
		else
			ut_buf_add(b, c, 1);
	ut_buf_add(b, "'", 1);
}

int tg_spec_net(const struct tg_spec *s, const struct wl_info *w)
{
	if (s->ops == &tg_qemu_image_ops || s->ops == &tg_command_ops)
		return s->want_net;
	return w && !w->ready_exit;
}

/* ---- kind = command ---- */

/* Split a command line into words: blanks separate, '...' and "..." quote,
 * a backslash escapes the next character (no expansion of any kind). */
static int split_words(struct tg_run *r, const char *line, char *why, size_t n)
{
	char word[2048];
	size_t k = 0;
	int in = 0, quote = 0;

	for (const char *p = line;; p++) {
		if (!*p || (!quote && (*p == ' ' || *p == '\t'))) {
			if (quote) {
				snprintf(why, n, "command of target %s: unterminated %c quote",
					 r->spec->name, quote);
				return -1;
			}
			if (in) {
				word[k] = '\0';
				tg_arg(r, "%s", word);
			}
			in = 0;
			k = 0;
			if (!*p)
				return r->argc ? 0 : (snprintf(why, n, "empty command"), -1);
			continue;
		}
		in = 1;
		if (!quote && (*p == '\'' || *p == '"'))
			quote = *p;
		else if (quote && *p == quote)
			quote = 0;
		else if (*p == '\\' && quote != '\'' && p[1])
			word[k < sizeof word - 1 ? k++ : k] = *++p;
		else if (k < sizeof word - 1)
			word[k++] = *p;
	}
}

static int ip_quiet(const char *ns, char **rest)
{
	char *argv[12] = { "ip", "-n", (char *)ns }, out[200];
	int i = 3;

	for (; *rest && i < 11; rest++)
		argv[i++] = *rest;
	argv[i] = NULL;
	return ut_capture(argv, out, sizeof out, 5000);
}

static int command_prepare(struct tg_run *r, char *why, size_t n)
{
	const struct tg_spec *s = r->spec;
	char line[4096];

	if (!r->mem_mib)
		r->mem_mib = TG_MEM_MIB;
	if (launch_files(r, why, n))
		return -1;
	if (!r->image[0])	/* the program itself is the image */
		ut_strlcpy(r->image, "", sizeof r->image);
	if (s->tap[0] && r->net.kind != NT_TAP) {
		snprintf(why, n, "target %s: a tap needs root (it lives in a network namespace)",
			 s->name);
		return -1;
	}
	/* the tap by the name the command expects (ukbench made it as tap0) */
	if (r->net.active && r->net.kind == NT_TAP && s->tap[0] && strcmp(s->tap, "tap0")) {
		char *down[] = { "link", "set", "dev", "tap0", "down", NULL };
		char *name[] = { "link", "set", "dev", "tap0", "name", (char *)s->tap, NULL };
		char *up[] = { "link", "set", "dev", (char *)s->tap, "up", NULL };

		if (ip_quiet(r->net.ns, down) || ip_quiet(r->net.ns, name) || ip_quiet(r->net.ns, up)) {
			snprintf(why, n, "cannot rename the tap to %s in %s", s->tap, r->net.ns);
			return -1;
		}
	}
	expand(line, sizeof line, s->command, r);
	return split_words(r, line, why, n);
}

static int command_launch(struct tg_run *r, char *why, size_t n)
{
	if (pr_spawn_ns(&r->proc, r->argv, PR_PERF_SW, r->net.ns[0] ? r->net.ns : NULL, why, n))
		return -1;
	r->t_launch = r->proc.t_start;
	if (!r->image[0])
		ut_strlcpy(r->image, r->argv[0], sizeof r->image);
	return 0;
}

static int marker_line(void *arg, const char *line, uint64_t t)
{
	struct tg_run *r = arg;

	if (r->spec->ready == READY_MARKER && strstr(line, r->spec->marker)) {
		r->t_ready = t;
		return 1;
	}
	return 0;
}

static int command_wait_ready(struct tg_run *r, char *why, size_t n)
{
	char how[UKB_WHY], tail[200];
	int k;

	if (r->spec->ready == READY_PORT) {
		if (tg_wait_serving(r, NULL, NULL, why, n))
			return -1;
		tg_ready_footprint(r);
		return 0;
	}
	k = pr_read(&r->proc, r->deadline, marker_line, r);
	if (k == PR_INTR) {
		snprintf(why, n, "interrupted");
		return -1;
	}
	if (r->spec->ready == READY_MARKER) {
		if (k == PR_MATCH) {
			tg_ready_footprint(r);
			return 0;
		}
		tg_console_tail(r, 3, tail, sizeof tail);
		if (k == PR_EOF && pr_wait(&r->proc, r->deadline) == PR_EOF) {
			tg_end_why(r, r->proc.status, how, sizeof how);
			snprintf(why, n, "exited before printing \"%s\": %s; console: %s", r->spec->marker,
				 how, tail);
		} else {
			snprintf(why, n, "timed out after %.1f s waiting for \"%s\" (killed); console: %s",
				 r->timeout_ms / 1000.0, r->spec->marker, tail);
		}
		return -1;
	}
	if (tg_wait_exit(r, why, n))
		return -1;
	return tg_exit_check(r, why, n);
}

static int command_measure(struct tg_run *r, char *why, size_t n)
{
	tg_sample(r, "boot_to_ready", (double)(r->t_ready - r->t_launch) / 1e6);
	tg_peak_rss(r);
	if (r->net.active)	/* a frame from the guest's MAC on the bridge: first_frame */
		nt_first_frame(&r->net, nt_guest_mac);
	return tg_measure_common(r, why, n);
}

/* The target's cleanup command, after the process group is gone: bounded by
 * 10 s, in the run's namespace, its failure only reported. */
static void command_stop(struct tg_run *r)
{
	struct tg_run c;
	char line[2048], why[UKB_WHY];

	if (!r->end[0] && r->proc.pid > 0 && !r->proc.exited)
		snprintf(r->end, sizeof r->end, "killed after ready");
	pr_kill(&r->proc);
	if (!r->spec->cleanup[0])
		return;
	memset(&c, 0, sizeof c);
	c.spec = r->spec;
	c.net = r->net;
	memcpy(c.files, r->files, sizeof c.files);
	c.nfiles = r->nfiles;
	ut_strlcpy(c.workload, r->workload, sizeof c.workload);
	ut_strlcpy(c.args, r->args, sizeof c.args);
	ut_strlcpy(c.image, r->image, sizeof c.image);
	c.mem_mib = r->mem_mib;
	expand(line, sizeof line, r->spec->cleanup, &c);
	if (split_words(&c, line, why, sizeof why) ||
	    pr_spawn_ns(&c.proc, c.argv, 0, r->net.ns[0] ? r->net.ns : NULL, why, sizeof why)) {
		ut_err("cleanup of %s: %s", r->spec->name, why);
		return;
	}
	int k = pr_read(&c.proc, ut_now_ns() + 10000000000ull, NULL, NULL);

	if (k == PR_EOF)
		k = pr_wait(&c.proc, ut_now_ns() + 1000000000ull);
	if (k != PR_EOF || c.proc.status != 0)
		ut_err("cleanup of %s: %s", r->spec->name,
		       k != PR_EOF ? "timed out after 10 s (killed)" : "non-zero exit status");
	pr_kill(&c.proc);
}

const struct tg_ops tg_command_ops = {
	.kind = "command",
	.help = "any VMM or program as a command line ([target NAME] with command = ...)",
	.prepare = command_prepare,
	.launch = command_launch,
	.wait_ready = command_wait_ready,
	.measure = command_measure,
	.stop = command_stop,
};
