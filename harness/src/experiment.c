/* experiment.c: an experiment file (.ini) -> a run plan. Sections:
 *   [experiment]   name, reps, warmup, timeout, mem, vcpus, accel, baseline, api
 *   [target NAME]  kind (qemu-image, or a built-in kind) and, for qemu-image,
 *                  kernel, initrd, machine, append, qemu_args, ready, exit_status
 *   [run NAME]     targets, workloads, args, min_mem, baseline, sweeps (mem,
 *                  vcpus, density: lists) and any [experiment] default
 * Every mistake is one line naming file and line; nothing starts before the
 * whole file has been checked.
 */
#include <stdlib.h>
#include <string.h>

#include "ukb.h"

#define MAX_TARGETS 32

struct defaults {
	int reps, warmup, timeout_ms, mem, vcpus, accel, duration_ms, pcap, api;
};

static int bad(char *why, size_t n, const char *path, int line, const char *fmt, const char *arg)
{
	int k = snprintf(why, n, "%s:%d: ", path, line);

	if (k > 0 && (size_t)k < n)
		snprintf(why + k, n - (size_t)k, fmt, arg);
	return -1;
}

static int num(const struct ini_kv *kv, int lo, int hi, int *out, const char *path, char *why,
	       size_t n)
{
	char *end;
	long v = strtol(kv->val, &end, 10);

	if (!*kv->val || *end || v < lo || v > hi) {
		snprintf(why, n, "%s:%d: %s must be an integer from %d to %d, not '%s'", path,
			 kv->line, kv->key, lo, hi, kv->val);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int ex_parse_accel(const char *s)
{
	return !strcmp(s, "auto") ? ACCEL_AUTO : !strcmp(s, "tcg") ? ACCEL_TCG :
	       !strcmp(s, "kvm") ? ACCEL_KVM : -1;
}

/* Keys shared by [experiment] and [run]; 1 if consumed, -1 on error. */
static int common_key(const struct ini_kv *kv, struct defaults *d, const char *path, char *why,
		      size_t n)
{
	if (!strcmp(kv->key, "reps"))
		return num(kv, 1, 1000, &d->reps, path, why, n) ? -1 : 1;
	if (!strcmp(kv->key, "warmup"))
		return num(kv, 0, 100, &d->warmup, path, why, n) ? -1 : 1;
	if (!strcmp(kv->key, "mem"))
		return num(kv, 0, 65536, &d->mem, path, why, n) ? -1 : 1;
	if (!strcmp(kv->key, "vcpus"))
		return num(kv, 1, 64, &d->vcpus, path, why, n) ? -1 : 1;
	if (!strcmp(kv->key, "timeout")) {
		int s;

		if (num(kv, 1, 3600, &s, path, why, n))
			return -1;
		d->timeout_ms = s * 1000;
		return 1;
	}
	if (!strcmp(kv->key, "duration")) {
		int s;

		if (num(kv, 1, 600, &s, path, why, n))
			return -1;
		d->duration_ms = s * 1000;
		return 1;
	}
	if (!strcmp(kv->key, "pcap")) {
		d->pcap = pc_parse_mode(kv->val);
		return d->pcap < 0 ? bad(why, n, path, kv->line,
					 "pcap must be off, head or full, not '%s'", kv->val) : 1;
	}
	if (!strcmp(kv->key, "api")) {	/* refkernel targets serve their REST API */
		if (strcmp(kv->val, "yes") && strcmp(kv->val, "no"))
			return bad(why, n, path, kv->line, "api must be yes or no, not '%s'", kv->val);
		d->api = !strcmp(kv->val, "yes");
		return 1;
	}
	if (!strcmp(kv->key, "accel")) {
		d->accel = ex_parse_accel(kv->val);
		return d->accel < 0 ? bad(why, n, path, kv->line,
					  "accel must be auto, tcg or kvm, not '%s'", kv->val) : 1;
	}
	return 0;
}

/* ${NAME} and ${NAME:-default} in a path: the user's environment says where
 * another system's images are (experiments/papers: UKB_PEERS). An unset or
 * empty NAME without a default is "" (the file is then not found at run time,
 * which an optional target reports as skipped). */
static int env_expand(const char *in, char *out, size_t cap)
{
	size_t k = 0;

	for (const char *p = in; *p; p++) {
		const char *end, *dflt, *v;
		char name[64];
		size_t nl;

		if (p[0] != '$' || p[1] != '{' || !(end = strchr(p + 2, '}'))) {
			if (k + 1 >= cap)
				return -1;
			out[k++] = *p;
			continue;
		}
		dflt = strstr(p + 2, ":-");
		if (dflt && dflt > end)
			dflt = NULL;
		nl = (size_t)((dflt ? dflt : end) - (p + 2));
		if (!nl || nl >= sizeof name)
			return -1;
		memcpy(name, p + 2, nl);
		name[nl] = '\0';
		v = getenv(name);
		if (v && *v) {
			nl = strlen(v);
		} else {
			v = dflt ? dflt + 2 : "";
			nl = (size_t)(end - v);
			if (!dflt)
				nl = 0;
		}
		if (k + nl >= cap)
			return -1;
		memcpy(out + k, v, nl);
		k += nl;
		p = end;
	}
	out[k] = '\0';
	return 0;
}

/* A path as written in the file (${NAME} expanded): absolute, or relative to
 * the file's folder. */
static int file_path(char *dst, size_t cap, const char *dir, const struct ini_kv *kv,
		     const char *path, char *why, size_t n)
{
	char val[sizeof kv->val];

	if (env_expand(kv->val, val, sizeof val) != 0)
		return bad(why, n, path, kv->line, "bad ${NAME} or value too long in '%s'", kv->key);
	if ((size_t)snprintf(dst, cap, "%s%s%s", val[0] == '/' ? "" : dir,
			     val[0] == '/' ? "" : "/", val) >= cap)
		return bad(why, n, path, kv->line, "value of '%s' too long", kv->key);
	return 0;
}

/* A comma list of integers in [lo, hi] (exit statuses, codes). */
static int int_list(const struct ini_kv *kv, int lo, int hi, int *out, int max, int *nout,
		    const char *path, char *why, size_t n)
{
	char list[512], *v[TG_MAX_EXIT + 1];
	int cnt;
	struct ini_kv one = *kv;

	ut_strlcpy(list, kv->val, sizeof list);
	cnt = ut_split(list, ',', v, TG_MAX_EXIT + 1);
	if (!cnt || cnt > max) {
		snprintf(why, n, "%s:%d: %s takes 1 to %d values, not '%s'", path, kv->line, kv->key,
			 max, kv->val);
		return -1;
	}
	for (int i = 0; i < cnt; i++) {
		ut_strlcpy(one.val, v[i], sizeof one.val);
		if (num(&one, lo, hi, &out[i], path, why, n))
			return -1;
	}
	*nout = cnt;
	return 0;
}

/* Which keys each kind takes: built-in kinds only baseline_of, and the
 * refkernel's kernel parameters (params). */
static const char *const image_keys[] = { "kernel", "initrd", "disk", "machine", "append",
	"qemu_args", "ready", "exit_status", "exit_code", "exit_device", "reset_ok", "net_device",
	"cpu", "optional", NULL };
static const char *const command_keys[] = { "command", "cleanup", "tap", "kernel", "initrd",
	"disk", "ready", "exit_status", "optional", NULL };
static const char *const refkernel_keys[] = { "params", NULL };

static int takes(const struct tg_ops *o, const char *key)
{
	const char *const *k = o == &tg_qemu_image_ops ? image_keys :
			       o == &tg_command_ops ? command_keys :
			       o == &tg_refkernel_ops ? refkernel_keys : NULL;

	for (; k && *k; k++)
		if (!strcmp(*k, key))
			return 1;
	return 0;
}

/* optional = yes anywhere in the section (keys are read in order) */
static int optional_target(const struct ini_sec *s)
{
	const struct ini_kv *o = ini_get(s, "optional");

	return o && !strcmp(o->val, "yes");
}

static int parse_target(const struct ini_sec *s, const char *name, struct tg_spec *t,
			const char *path, const char *dir, char *why, size_t n)
{
	const struct ini_kv *kind = ini_get(s, "kind");

	memset(t, 0, sizeof *t);
	if (!rs_valid_name(name))
		return bad(why, n, path, s->line, "bad target name '%s' (letters, digits, ._-)", name);
	ut_strlcpy(t->name, name, sizeof t->name);
	t->ops = kind ? tg_find(kind->val) : NULL;
	if (!t->ops)
		return bad(why, n, path, kind ? kind->line : s->line,
			   "[target] needs kind = qemu-image, command, refkernel, linux-vm, linux-tiny, container or native (got '%s')",
			   kind ? kind->val : "");
	t->exit_ok = t->ops == &tg_native_ops || t->ops == &tg_container_ops ||
		     t->ops == &tg_command_ops ? 0 : 1;
	t->foreign = t->ops == &tg_qemu_image_ops || t->ops == &tg_command_ops;
	for (int i = 0; i < s->nkv; i++) {
		const struct ini_kv *kv = &s->kv[i];
		char *dst = NULL;
		size_t cap = 0;

		if (!strcmp(kv->key, "kind"))
			continue;
		if (!strcmp(kv->key, "baseline_of")) {
			if (!rs_valid_name(kv->val))
				return bad(why, n, path, kv->line, "baseline_of names a target, not '%s'",
					   kv->val);
			ut_strlcpy(t->baseline_of, kv->val, sizeof t->baseline_of);
			continue;
		}
		if (!takes(t->ops, kv->key)) {
			char msg[160];

			snprintf(msg, sizeof msg, "kind = %s does not take '%s'%s", t->ops->kind, kv->key,
				 t->foreign ? " (see experiments/README.md)" :
				 t->ops == &tg_refkernel_ops ? " (kind = refkernel takes params and baseline_of)" :
				 " (a built-in kind takes only baseline_of)");
			return bad(why, n, path, kv->line, "%s", msg);
		}
		if (!strcmp(kv->key, "params")) {	/* words before tsc_khz=...; no "--" */
			if (strstr(kv->val, "--") || strchr(kv->val, '%') || strlen(kv->val) + 2 > sizeof t->params)
				return bad(why, n, path, kv->line, "%s", "params takes kernel parameters "
					   "only (no '--', no %-substitution, under 254 characters)");
			snprintf(t->params, sizeof t->params, "%s ", kv->val);
			continue;
		}
		if (!strcmp(kv->key, "kernel") || !strcmp(kv->key, "initrd")) {
			if (file_path(kv->key[0] == 'k' ? t->kernel : t->initrd, sizeof t->kernel, dir,
				      kv, path, why, n))
				return -1;
			continue;
		} else if (!strcmp(kv->key, "disk")) {	/* a comma list: one -drive each */
			char list[512], *v[TG_MAX_DISKS + 1];
			int cnt;
			struct ini_kv one = *kv;

			ut_strlcpy(list, kv->val, sizeof list);
			cnt = ut_split(list, ',', v, TG_MAX_DISKS + 1);
			if (!cnt || t->ndisks + cnt > TG_MAX_DISKS)
				return bad(why, n, path, kv->line, "disk takes 1 to %s paths", "4");
			for (int k = 0; k < cnt; k++) {
				ut_strlcpy(one.val, v[k], sizeof one.val);
				if (file_path(t->disks[t->ndisks], sizeof t->disks[0], dir, &one, path, why, n))
					return -1;
				/* a disk named with %w is checked per workload (ex_load) */
				if (!strchr(t->disks[t->ndisks], '%') && ut_file_size(t->disks[t->ndisks]) < 0 &&
				    !optional_target(s))
					return bad(why, n, path, kv->line, "disk %s does not exist",
						   t->disks[t->ndisks]);
				t->disk_line[t->ndisks++] = kv->line;
			}
			continue;
		} else if (!strcmp(kv->key, "machine")) {
			dst = t->machine;
			cap = sizeof t->machine;
		} else if (!strcmp(kv->key, "append")) {
			dst = t->append;
			cap = sizeof t->append;
		} else if (!strcmp(kv->key, "qemu_args")) {
			dst = t->qemu_args;
			cap = sizeof t->qemu_args;
		} else if (!strcmp(kv->key, "cpu")) {
			dst = t->cpu;
			cap = sizeof t->cpu;
		} else if (!strcmp(kv->key, "command")) {
			dst = t->command;
			cap = sizeof t->command;
		} else if (!strcmp(kv->key, "cleanup")) {
			dst = t->cleanup;
			cap = sizeof t->cleanup;
		} else if (!strcmp(kv->key, "tap")) {
			if (!*kv->val || strlen(kv->val) >= 16 || strspn(kv->val,
			    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
			    strlen(kv->val))
				return bad(why, n, path, kv->line,
					   "tap must be an interface name (1-15 of letters, digits, _-), not '%s'",
					   kv->val);
			ut_strlcpy(t->tap, kv->val, sizeof t->tap);
			continue;
		} else if (!strcmp(kv->key, "exit_status") || !strcmp(kv->key, "exit_code")) {
			int v[TG_MAX_EXIT], cnt;

			if (int_list(kv, 0, kv->key[5] == 's' ? 255 : 127, v, TG_MAX_EXIT - t->nexit,
				     &cnt, path, why, n))
				return -1;
			/* exit_code: what the guest writes to isa-debug-exit; QEMU
			 * exits with (code << 1) | 1 */
			for (int k = 0; k < cnt; k++)
				t->exit_list[t->nexit++] = kv->key[5] == 's' ? v[k] : (v[k] << 1) | 1;
			continue;
		} else if (!strcmp(kv->key, "exit_device")) {
			char *end;
			long v = strtol(kv->val, &end, 0);

			if (!*kv->val || *end || v < 0x100 || v > 0xfffe || v == 0xf4)
				return bad(why, n, path, kv->line,
					   "exit_device is an I/O port from 0x100 to 0xfffe (e.g. 0x501), not '%s'",
					   kv->val);
			t->exit_device = (int)v;
			continue;
		} else if (!strcmp(kv->key, "optional")) {	/* absent files: skipped */
			if (strcmp(kv->val, "yes") && strcmp(kv->val, "no"))
				return bad(why, n, path, kv->line, "optional must be yes or no, not '%s'",
					   kv->val);
			t->optional = !strcmp(kv->val, "yes");
			continue;
		} else if (!strcmp(kv->key, "reset_ok")) {
			if (strcmp(kv->val, "yes") && strcmp(kv->val, "no"))
				return bad(why, n, path, kv->line, "reset_ok must be yes or no, not '%s'",
					   kv->val);
			t->reset_ok = !strcmp(kv->val, "yes");
			continue;
		} else if (!strcmp(kv->key, "net_device")) {
			static const char *const dev[] = { "virtio-net-device", "virtio-net-pci", "e1000",
							   "none", NULL };
			int k;

			for (k = 0; dev[k] && strcmp(dev[k], kv->val); k++)
				;
			if (!dev[k])
				return bad(why, n, path, kv->line,
					   "net_device must be virtio-net-device, virtio-net-pci, e1000 or none, not '%s'",
					   kv->val);
			t->net_device = TG_NET_VIRTIO_MMIO + k;
			continue;
		} else if (!strcmp(kv->key, "ready")) {
			if (!strcmp(kv->val, "exit")) {
				t->ready = READY_EXIT;
			} else if (!strncmp(kv->val, "marker:", 7) && kv->val[7]) {
				t->ready = READY_MARKER;
				ut_strlcpy(t->marker, kv->val + 7, sizeof t->marker);
			} else if (!strncmp(kv->val, "port:", 5) && atoi(kv->val + 5) > 0 &&
				   atoi(kv->val + 5) < 65536) {
				t->ready = READY_PORT;
				t->port = atoi(kv->val + 5);
			} else {
				return bad(why, n, path, kv->line,
					   "ready must be exit, marker:TEXT or port:N, not '%s'", kv->val);
			}
			continue;
		}
		if (strlen(kv->val) >= cap)
			return bad(why, n, path, kv->line, "value of '%s' too long", kv->key);
		ut_strlcpy(dst, kv->val, cap);
	}
	if (t->ops == &tg_qemu_image_ops && !t->kernel[0])
		return bad(why, n, path, s->line, "qemu-image target '%s' needs kernel = PATH", name);
	if (t->ops == &tg_command_ops && !t->command[0])
		return bad(why, n, path, s->line, "command target '%s' needs command = ...", name);
	if (t->net_device && t->ready != READY_PORT)
		return bad(why, n, path, s->line,
			   "target '%s': net_device without ready = port:N (only servers get a network)",
			   name);
	t->want_net = t->ready == READY_PORT || t->tap[0];
	return 0;
}

/* The folder of (path), absolute: relative paths in the file are from there. */
static void file_dir(const char *path, char *dir, size_t n)
{
	char *rp = realpath(path, NULL), *slash;

	snprintf(dir, n, "%s", rp ? rp : path);
	free(rp);
	slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	else if (slash)
		slash[1] = '\0';
	else
		snprintf(dir, n, ".");
}

/* The built-in targets by their kind's name, then the file's [target]s. */
static int load_targets(const struct ini_file *f, const char *path, struct tg_spec *targets,
			int *nt, char *why, size_t n)
{
	char dir[UKB_PATH];

	file_dir(path, dir, sizeof dir);
	*nt = 0;
	for (const struct tg_ops *const *o = tg_all(); *o && *nt < MAX_TARGETS; o++) {
		if (*o == &tg_qemu_image_ops || *o == &tg_command_ops)
			continue;
		memset(&targets[*nt], 0, sizeof targets[*nt]);
		ut_strlcpy(targets[*nt].name, (*o)->kind, sizeof targets[*nt].name);
		targets[*nt].ops = *o;
		targets[*nt].exit_ok = *o == &tg_native_ops || *o == &tg_container_ops ? 0 : 1;
		(*nt)++;
	}
	for (int i = 0; i < f->nsec; i++) {
		const struct ini_sec *s = &f->sec[i];
		int k;

		if (strncmp(s->name, "target ", 7))
			continue;
		for (k = 0; k < *nt && strcmp(targets[k].name, s->name + 7); k++)
			;
		if (k == MAX_TARGETS)
			return bad(why, n, path, s->line, "too many targets%s", "");
		if (parse_target(s, s->name + 7, &targets[k], path, dir, why, n) != 0)
			return -1;
		if (k == *nt)
			(*nt)++;
	}
	return 0;
}

int ex_targets(const char *path, struct tg_spec *out, int max, int *nout, char *why, size_t n)
{
	struct ini_file f;
	struct tg_spec *t = calloc(MAX_TARGETS, sizeof *t);
	int nt = 0, rc = -1;

	*nout = 0;
	if (!t) {
		snprintf(why, n, "out of memory");
		return -1;
	}
	if (ini_load(path, &f, why, n) != 0) {
		free(t);
		return -1;
	}
	if (load_targets(&f, path, t, &nt, why, n) == 0) {
		for (int i = 0; i < nt && *nout < max; i++)
			if (t[i].ops == &tg_qemu_image_ops || t[i].ops == &tg_command_ops ||
			    strcmp(t[i].name, t[i].ops->kind))
				out[(*nout)++] = t[i];
		rc = 0;
	}
	ini_free(&f);
	free(t);
	return rc;
}

int ex_load(const char *path, struct run_plan *p, char *why, size_t n)
{
	struct ini_file f;
	struct tg_spec *targets = NULL;
	struct defaults d = { 5, 1, 60000, 0, 1, ACCEL_AUTO, 3000, PC_HEAD, 0 };
	int nt = 0, nruns = 0, rc = -1;
	const char *base = strrchr(path, '/');

	if (ini_load(path, &f, why, n) != 0)
		return -1;
	memset(p, 0, sizeof *p);
	p->source = path;
	base = base ? base + 1 : path;
	snprintf(p->experiment, sizeof p->experiment, "%.*s", (int)strcspn(base, "."), base);
	targets = calloc(MAX_TARGETS, sizeof *targets);
	if (!targets || load_targets(&f, path, targets, &nt, why, n) != 0)
		goto out;
	/* pass 1: [experiment] and [target] sections */
	for (int i = 0; i < f.nsec; i++) {
		const struct ini_sec *s = &f.sec[i];

		if (!strcmp(s->name, "experiment")) {
			for (int k = 0; k < s->nkv; k++) {
				const struct ini_kv *kv = &s->kv[k];
				int c = common_key(kv, &d, path, why, n);

				if (c < 0)
					goto out;
				if (c)
					continue;
				if (!strcmp(kv->key, "name")) {
					if (!rs_valid_name(kv->val)) {
						bad(why, n, path, kv->line, "bad experiment name '%s'", kv->val);
						goto out;
					}
					ut_strlcpy(p->experiment, kv->val, sizeof p->experiment);
				} else if (!strcmp(kv->key, "baseline")) {
					ut_strlcpy(p->baseline, kv->val, sizeof p->baseline);
				} else if (strcmp(kv->key, "description")) {
					bad(why, n, path, kv->line, "unknown key '%s' in [experiment]", kv->key);
					goto out;
				}
			}
		} else if (!strncmp(s->name, "target ", 7)) {
			continue;	/* load_targets */
		} else if (strncmp(s->name, "run ", 4)) {
			bad(why, n, path, s->line,
			    "unknown section [%s] (expected [experiment], [target NAME] or [run NAME])",
			    s->name);
			goto out;
		}
	}
	/* pass 2: [run] sections -> jobs */
	for (int i = 0; i < f.nsec; i++) {
		const struct ini_sec *s = &f.sec[i];
		struct defaults rd = d;
		char tl[512] = "", wl[512] = "", args[256] = "", *tv[MAX_TARGETS], *wv[16];
		char rbase[UKB_NAME] = "";
		int tline = s->line, wline = s->line, ntv, nwv, mm = 0;
		int mems[8] = { d.mem }, nmem = 1, cpus[8] = { d.vcpus }, ncpu = 1;
		int dens[8] = { 0 }, nden = 1, has_den = 0;	/* density 0: none up (the curve's start) */

		if (strncmp(s->name, "run ", 4))
			continue;
		nruns++;
		if (!rs_valid_name(s->name + 4)) {	/* it keys the results (CSV, unquoted) */
			bad(why, n, path, s->line, "bad run name '%s' (letters, digits, ._-)", s->name + 4);
			goto out;
		}
		for (int k = 0; k < s->nkv; k++) {
			const struct ini_kv *kv = &s->kv[k];
			int c;

			/* mem, vcpus and density may be lists in a [run]: one job per value */
			if (!strcmp(kv->key, "mem") || !strcmp(kv->key, "vcpus") ||
			    !strcmp(kv->key, "density")) {
				int mem = !strcmp(kv->key, "mem"), den = kv->key[0] == 'd';
				int *dst = mem ? mems : den ? dens : cpus, cnt;
				char list[512], *v[8];
				struct ini_kv one = *kv;

				ut_strlcpy(list, kv->val, sizeof list);
				cnt = ut_split(list, ',', v, 8);
				if (!cnt) {
					bad(why, n, path, kv->line, "%s needs a value", kv->key);
					goto out;
				}
				for (int x = 0; x < cnt; x++) {
					ut_strlcpy(one.val, v[x], sizeof one.val);
					if (num(&one, mem || den ? 0 : 1, mem ? 65536 : den ? DN_MAX : 64, &dst[x],
						path, why, n))
						goto out;
				}
				*(mem ? &nmem : den ? &nden : &ncpu) = cnt;
				has_den |= den;
				continue;
			}
			c = common_key(kv, &rd, path, why, n);
			if (c < 0)
				goto out;
			if (c)
				continue;
			if (!strcmp(kv->key, "targets")) {
				ut_strlcpy(tl, kv->val, sizeof tl);
				tline = kv->line;
			} else if (!strcmp(kv->key, "workloads")) {
				ut_strlcpy(wl, kv->val, sizeof wl);
				wline = kv->line;
			} else if (!strcmp(kv->key, "args")) {
				ut_strlcpy(args, kv->val, sizeof args);
			} else if (!strcmp(kv->key, "baseline")) {
				if (!rs_valid_name(kv->val)) {
					bad(why, n, path, kv->line, "baseline names a target, not '%s'", kv->val);
					goto out;
				}
				ut_strlcpy(rbase, kv->val, sizeof rbase);
			} else if (!strcmp(kv->key, "min_mem")) {
				if (strcmp(kv->val, "yes") && strcmp(kv->val, "no")) {
					bad(why, n, path, kv->line, "min_mem must be yes or no, not '%s'", kv->val);
					goto out;
				}
				mm = !strcmp(kv->val, "yes");
			} else {
				bad(why, n, path, kv->line, "unknown key '%s' in [run]", kv->key);
				goto out;
			}
		}
		ntv = ut_split(tl, ',', tv, MAX_TARGETS);
		nwv = ut_split(wl, ',', wv, 16);
		if (!ntv || !nwv) {
			bad(why, n, path, s->line, "[%s] needs targets = ... and workloads = ...", s->name);
			goto out;
		}
		for (int w = 0; w < nwv; w++)
			if (!wl_find(wv[w])) {
				bad(why, n, path, wline, "unknown workload '%s'", wv[w]);
				goto out;
			}
		for (int t = 0; t < ntv; t++) {
			int k;

			for (k = 0; k < nt && strcmp(targets[k].name, tv[t]); k++)
				;
			if (k == nt) {
				bad(why, n, path, tline, "unknown target '%s' (built-in: refkernel, linux-vm, linux-tiny, container, native; or define [target NAME])",
				    tv[t]);
				goto out;
			}
			for (int w = 0; w < nwv * nmem * ncpu * nden; w++) {
				int mi = w / nwv % nmem, ci = w / nwv / nmem % ncpu;
				int di = w / nwv / nmem / ncpu;
				struct run_job j;

				memset(&j, 0, sizeof j);
				ut_strlcpy(j.run, s->name + 4, sizeof j.run);
				j.spec = targets[k];
				/* sweeps: the value goes into the target's name, e.g. refkernel-m128;
				 * density always (refkernel-n4: N instances already up) */
				if (nmem > 1 || ncpu > 1 || has_den) {
					size_t l = strlen(j.spec.name);

					if (nmem > 1)
						l += (size_t)snprintf(j.spec.name + l, sizeof j.spec.name - l,
								      "-m%d", mems[mi]);
					if (ncpu > 1 && l < sizeof j.spec.name)
						l += (size_t)snprintf(j.spec.name + l, sizeof j.spec.name - l,
								      "-c%d", cpus[ci]);
					if (has_den && l < sizeof j.spec.name)
						snprintf(j.spec.name + l, sizeof j.spec.name - l, "-n%d",
							 dens[di]);
				}
				ut_strlcpy(j.workload, wv[w % nwv], sizeof j.workload);
				/* the ratio column: the target's baseline_of, the [run]'s, the plan's */
				ut_strlcpy(j.baseline, j.spec.baseline_of[0] ? j.spec.baseline_of : rbase,
					   sizeof j.baseline);
				for (int dk = 0; dk < j.spec.ndisks; dk++) {	/* disk = .../%w.img */
					char dp[UKB_PATH], *pc;

					ut_strlcpy(dp, j.spec.disks[dk], sizeof dp);
					if (!(pc = strstr(dp, "%w")))
						continue;
					snprintf(pc, sizeof dp - (size_t)(pc - dp), "%s%s", j.workload,
						 strstr(j.spec.disks[dk], "%w") + 2);
					if (ut_file_size(dp) < 0 && !j.spec.optional) {
						bad(why, n, path, j.spec.disk_line[dk], "disk %s does not exist", dp);
						goto out;
					}
				}
				ut_strlcpy(j.args, args, sizeof j.args);
				j.reps = rd.reps;
				j.warmup = rd.warmup;
				j.mem_mib = mems[mi];
				j.vcpus = cpus[ci];
				j.density = dens[di];
				j.accel = rd.accel;
				j.timeout_ms = rd.timeout_ms;
				j.duration_ms = rd.duration_ms;
				j.min_mem = mm;
				j.pcap = rd.pcap;
				j.api = rd.api;
				if (run_plan_add(p, &j) != 0) {
					bad(why, n, path, s->line, "out of memory%s", "");
					goto out;
				}
			}
		}
	}
	if (!nruns) {
		bad(why, n, path, f.nsec ? f.sec[0].line : 1, "no [run NAME] section: nothing to do%s", "");
		goto out;
	}
	rc = 0;
out:
	if (rc) {
		free(p->jobs);
		p->jobs = NULL;
		p->njobs = 0;
	}
	ini_free(&f);
	free(targets);
	return rc;
}
