/* merge.c: partial result sets (one per Slurm block) -> one result set, and
 * the host map that report and compare read back (issue 19).
 *   mg_merge()  load every part (meta.json, block.json, samples, failures) ->
 *               refuse mixed experiments or commits, unfinished, duplicated
 *               or missing blocks, duplicate samples -> hosts (the odd
 *               accelerator marked) -> write the set (results.c) + meta.json.
 *   hm_load()   meta.json -> which host ran which (job, workload).
 * samples.csv keeps its columns; the host of a sample is its block's, in
 * meta.json's "blocks". A block holds whole jobs, so no summary row and no
 * ratio between targets of one row ever mixes hosts.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ukb.h"

/* ---- the host map ---- */

static void hm_add_host(struct hm_map *m, json_t *h)
{
	struct hm_host *x = realloc(m->h, sizeof *x * (size_t)(m->nh + 1));

	if (!x)
		return;
	m->h = x;
	x = &m->h[m->nh++];
	memset(x, 0, sizeof *x);
	ut_strlcpy(x->name, js_str(h, "name"), sizeof x->name);
	ut_strlcpy(x->cpu, js_str(h, "cpu"), sizeof x->cpu);
	ut_strlcpy(x->kernel, js_str(h, "kernel"), sizeof x->kernel);
	ut_strlcpy(x->qemu, js_str(h, "qemu"), sizeof x->qemu);
	ut_strlcpy(x->accel, js_str(h, "accel"), sizeof x->accel);
	x->odd = json_is_true(json_object_get(h, "accel_differs"));
}

int hm_load(json_t *meta, struct hm_map *m)
{
	json_t *hs = json_object_get(meta, "hosts"), *bs = json_object_get(meta, "blocks");

	memset(m, 0, sizeof *m);
	if (!meta)
		return -1;
	if (json_is_array(hs)) {
		for (size_t i = 0; i < json_array_size(hs); i++)
			hm_add_host(m, json_array_get(hs, i));
	} else if (json_is_object(json_object_get(meta, "host"))) {	/* a plain set */
		hm_add_host(m, json_object_get(meta, "host"));
	}
	for (size_t i = 0; json_is_array(bs) && i < json_array_size(bs); i++) {
		json_t *b = json_array_get(bs, i);
		struct hm_block *x = realloc(m->b, sizeof *x * (size_t)(m->nb + 1));

		if (!x)
			break;
		m->b = x;
		x = &m->b[m->nb++];
		memset(x, 0, sizeof *x);
		ut_strlcpy(x->job, js_str(b, "run"), sizeof x->job);
		ut_strlcpy(x->workload, js_str(b, "workload"), sizeof x->workload);
		ut_strlcpy(x->host, js_str(b, "host"), sizeof x->host);
		x->odd = json_is_true(json_object_get(b, "accel_differs"));
	}
	return 0;
}

const char *hm_host_of(const struct hm_map *m, const char *job, const char *workload)
{
	for (int i = 0; i < m->nb; i++)
		if (!strcmp(m->b[i].job, job) && !strcmp(m->b[i].workload, workload))
			return m->b[i].host;
	return m->nb == 0 && m->nh == 1 ? m->h[0].name : "";
}

const struct hm_host *hm_host(const struct hm_map *m, const char *name)
{
	for (int i = 0; i < m->nh; i++)
		if (!strcmp(m->h[i].name, name))
			return &m->h[i];
	return NULL;
}

int hm_index(const struct hm_map *m, const char *job, const char *workload)
{
	const char *h = hm_host_of(m, job, workload);

	for (int i = 0; i < m->nh; i++)
		if (!strcmp(m->h[i].name, h))
			return i;
	return m->nh;
}

/* The hosts of a merged set, and the accelerator warning (report). */
void hm_print_hosts(const struct hm_map *m, FILE *f)
{
	int odd = 0;

	fprintf(f, "Hosts (%d): every block ran on one host; rows are grouped by host and each\n"
		   "ratio is taken within one host.\n\n", m->nh);
	for (int i = 0; i < m->nh; i++) {
		fprintf(f, "- %s: %s, kernel %s, %s, accelerator %s%s\n", m->h[i].name, m->h[i].cpu,
			m->h[i].kernel, m->h[i].qemu[0] ? m->h[i].qemu : "no QEMU", m->h[i].accel,
			m->h[i].odd ? " (differs from the other hosts')" : "");
		odd |= m->h[i].odd;
	}
	fprintf(f, "\n");
	if (odd)
		fprintf(f, "**Warning: the hosts' accelerators differ.** The rows of hosts marked \"other\n"
			   "accelerator\" are kept, but compare with nothing measured elsewhere.\n\n");
}

void hm_free(struct hm_map *m)
{
	free(m->h);
	free(m->b);
	memset(m, 0, sizeof *m);
}

/* ---- merging ---- */

struct part {
	char dir[UKB_PATH];
	json_t *meta, *block;	/* block.json, NULL for a plain set */
	int index, count;
	char host[128], accel[32];
};

/* The accelerator a set's VMs ran on: the first word of its first QEMU job's
 * note ("tcg (asked for)"), "none" if it booted no VM. */
static void part_accel(json_t *meta, char *out, size_t n)
{
	json_t *jobs = json_object_get(meta, "jobs");

	ut_strlcpy(out, "none", n);
	for (size_t i = 0; i < json_array_size(jobs); i++) {
		const char *a = js_str(json_array_get(jobs, i), "accel");

		if (*a && strncmp(a, "none", 4)) {
			snprintf(out, n, "%.*s", (int)strcspn(a, " "), a);
			return;
		}
	}
}

static int load_part(const char *dir, struct part *p, char *why, size_t n)
{
	char path[UKB_PATH + 32], mwhy[UKB_WHY];
	json_error_t e;
	json_t *h;

	memset(p, 0, sizeof *p);
	ut_strlcpy(p->dir, dir, sizeof p->dir);
	p->index = p->count = -1;
	if (!(p->meta = js_meta_load(dir, mwhy, sizeof mwhy))) {
		snprintf(why, n, "%s: not a result set (%s)", dir, mwhy);
		return -1;
	}
	snprintf(path, sizeof path, "%s/block.json", dir);
	if (access(path, F_OK) == 0) {
		if (!(p->block = json_load_file(path, 0, &e))) {
			snprintf(why, n, "%s: %s (line %d)", path, e.text, e.line);
			return -1;
		}
		p->index = (int)json_integer_value(json_object_get(p->block, "block"));
		p->count = (int)json_integer_value(json_object_get(p->block, "blocks"));
		if (strcmp(js_str(p->block, "state"), "done")) {
			snprintf(why, n, "%s: block %d did not finish (state %s: stopped by preemption, a time limit or a node failure?)",
				 dir, p->index, js_str(p->block, "state"));
			return -1;
		}
	}
	h = json_object_get(p->meta, "host");
	ut_strlcpy(p->host, js_str(h, "name"), sizeof p->host);
	if (!p->host[0] && p->block)
		ut_strlcpy(p->host, js_str(p->block, "node"), sizeof p->host);
	if (!p->host[0])
		snprintf(p->host, sizeof p->host, "unknown (%s)", strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir);
	part_accel(p->meta, p->accel, sizeof p->accel);
	return 0;
}

static int by_block(const void *a, const void *b)
{
	const char *x = strrchr(*(char *const *)a, '-'), *y = strrchr(*(char *const *)b, '-');

	return atoi(x ? x + 1 : "0") - atoi(y ? y + 1 : "0");
}

/* Partial-set folders: DIR/block-* (a parts folder), DIR/parts/block-*
 * (what bench --slurm made), else DIR itself. */
static int expand(const char *arg, char ***out, int *n)
{
	char path[UKB_PATH + 32], sub[UKB_PATH + 16];
	DIR *d;
	struct dirent *e;
	int found = 0;

	for (int k = 0; k < 2 && !found; k++) {
		snprintf(sub, sizeof sub, k ? "%s/parts" : "%s", arg);
		if (!(d = opendir(sub)))
			continue;
		while ((e = readdir(d))) {
			if (strncmp(e->d_name, "block-", 6))
				continue;
			*out = realloc(*out, sizeof **out * (size_t)(*n + 1));
			snprintf(path, sizeof path, "%s/%s", sub, e->d_name);
			(*out)[(*n)++] = strdup(path);
			found++;
		}
		closedir(d);
		if (found)
			qsort(*out + *n - found, (size_t)found, sizeof **out, by_block);
	}
	if (found)	/* a merged set's own parts come first */
		return found;
	snprintf(path, sizeof path, "%s/meta.json", arg);
	if (access(path, F_OK) == 0) {
		*out = realloc(*out, sizeof **out * (size_t)(*n + 1));
		(*out)[(*n)++] = strdup(arg);
		return 1;
	}
	return 0;
}

static void copy_latency(const char *from, const char *to, int index)
{
	DIR *d = opendir(from);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char src[UKB_PATH + 300], dst[UKB_PATH + 300];
		struct ut_buf b = { 0 };

		if (strncmp(e->d_name, "latency-", 8))
			continue;
		snprintf(src, sizeof src, "%s/%s", from, e->d_name);
		snprintf(dst, sizeof dst, "%s/%s", to, e->d_name);
		if (access(dst, F_OK) == 0)	/* the same pair in two blocks (two jobs) */
			snprintf(dst, sizeof dst, "%s/%.*s-block%d.csv", to,
				 (int)(strlen(e->d_name) - 4), e->d_name, index);
		if (ut_read_file(src, &b) == 0 && b.p)
			ut_write_atomic(dst, b.p, b.len);
		ut_buf_free(&b);
	}
	if (d)
		closedir(d);
}

static void iso_now(char *out, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int mg_merge(const char *out, char **dirs, int nd, const struct run_plan *plan,
	     const struct sl_block *blocks, int nblocks, const struct mg_missing *miss, int nmiss,
	     int argc, char **argv, char *why, size_t n)
{
	struct part *p = calloc((size_t)nd + 1, sizeof *p);
	struct rs_set rs;
	json_t *meta = NULL, *hosts = json_array(), *bl = json_array(), *jobs = json_array(),
	       *from = json_array(), *cmd = json_array();
	char *text = NULL, odd_note[512] = "";
	int rc = 2, count = -1;

	memset(&rs, 0, sizeof rs);
	if (!p || !hosts || !bl || !jobs || !from || !cmd) {
		snprintf(why, n, "out of memory");
		goto out;
	}
	if (nd == 0 && nmiss == 0) {
		snprintf(why, n, "no partial result sets to merge");
		goto out;
	}
	for (int i = 0; i < nd; i++) {
		if (load_part(dirs[i], &p[i], why, n) != 0)
			goto out;
		const char *ea = js_str(p[0].meta, "experiment"), *eb = js_str(p[i].meta, "experiment");
		const char *ca = js_str(p[0].meta, "git_commit"), *cb = js_str(p[i].meta, "git_commit");

		if (strcmp(ea, eb)) {
			snprintf(why, n, "%s is a result set of experiment '%s', %s of '%s': not merged",
				 dirs[i], eb, dirs[0], ea);
			goto out;
		}
		if (strcmp(ca, cb)) {
			snprintf(why, n, "%s was measured at git commit %.12s, %s at %.12s: not merged (one commit per result set)",
				 dirs[i], cb, dirs[0], ca);
			goto out;
		}
		if (p[i].count >= 0 && count >= 0 && p[i].count != count) {
			snprintf(why, n, "%s is block %d of %d, the others are of %d blocks: not one submission",
				 dirs[i], p[i].index, p[i].count, count);
			goto out;
		}
		if (p[i].count >= 0)
			count = p[i].count;
		for (int k = 0; k < i; k++)
			if (p[k].index >= 0 && p[k].index == p[i].index) {
				snprintf(why, n, "block %d twice: %s and %s", p[i].index, dirs[k], dirs[i]);
				goto out;
			}
	}
	if (count > 0) {	/* every block there, or said missing (bench --wait) */
		char list[256] = "";
		size_t l = 0;

		for (int b = 0; b < count; b++) {
			int have = 0;

			for (int i = 0; i < nd && !have; i++)
				have = p[i].index == b;
			for (int i = 0; i < nmiss && !have; i++)
				have = miss[i].block == b;
			if (!have && l + 12 < sizeof list)
				l += (size_t)snprintf(list + l, sizeof list - l, "%s%d", l ? ", " : "", b);
		}
		if (l) {
			snprintf(why, n, "missing partial sets: block%s %s of %d (no block-N folder with a finished block.json)",
				 strchr(list, ',') ? "s" : "", list, count);
			goto out;
		}
	}
	/* samples: duplicates refused; failures kept */
	ut_strlcpy(rs.experiment, nd ? js_str(p[0].meta, "experiment") : plan->experiment,
		   sizeof rs.experiment);
	ut_strlcpy(rs.dir, out, sizeof rs.dir);
	for (int i = 0; i < nd; i++) {
		struct rs_sample *s;
		struct sm_table t;
		int ns, cut, before = rs.ns;	/* duplicates: against the earlier parts */
		char w2[UKB_WHY];

		if (cp_read_samples(p[i].dir, &s, &ns, &cut) != 0) {
			snprintf(why, n, "%s/samples.csv: cannot read", p[i].dir);
			goto out;
		}
		if (cut) {
			snprintf(why, n, "%s/samples.csv: %d cut-off line%s", p[i].dir, cut, cut > 1 ? "s" : "");
			free(s);
			goto out;
		}
		for (int k = 0; k < ns; k++) {
			for (int j = 0; j < before; j++) {
				const struct rs_sample *a = &rs.s[j], *c = &s[k];

				if (a->rep == c->rep && !strcmp(a->job, c->job) && !strcmp(a->target, c->target) &&
				    !strcmp(a->workload, c->workload) && !strcmp(a->metric, c->metric)) {
					snprintf(why, n, "duplicate sample: job %s, %s on %s, %s rep %d in %s and in an earlier set",
						 c->job, c->workload, c->target, c->metric, c->rep, p[i].dir);
					free(s);
					goto out;
				}
			}
			ut_strlcpy(rs.job, s[k].job, sizeof rs.job);
			rs_add(&rs, s[k].target, s[k].workload, s[k].metric, s[k].rep, s[k].value);
		}
		free(s);
		if (sm_load(p[i].dir, &t, w2, sizeof w2) == 0) {
			for (int k = 0; k < t.nf; k++) {
				ut_strlcpy(rs.job, t.f[k].job, sizeof rs.job);
				rs_fail(&rs, t.f[k].target, t.f[k].workload, t.f[k].rep, t.f[k].why);
			}
			sm_free(&t);
		}
	}
	/* blocks that never ran, after the retry: one failure per sample they owed */
	for (int i = 0; i < nmiss && plan; i++) {
		const struct sl_block *b = NULL;

		for (int k = 0; k < nblocks && !b; k++)
			if (blocks[k].index == miss[i].block)
				b = &blocks[k];
		for (int k = 0; b && k < b->nj; k++) {
			const struct run_job *j = &plan->jobs[b->jobs[k]];

			ut_strlcpy(rs.job, j->run, sizeof rs.job);
			for (int r = 1; r <= j->reps; r++)
				rs_fail(&rs, j->spec.name, j->workload, r, miss[i].why);
		}
	}
	/* hosts: one entry per node name, the odd accelerator marked */
	{
		char accels[16][32];
		int na[16] = { 0 }, nacc = 0, best = -1;

		for (int i = 0; i < nd; i++) {
			int k;

			if (!strcmp(p[i].accel, "none"))
				continue;
			for (k = 0; k < nacc && strcmp(accels[k], p[i].accel); k++)
				;
			if (k == nacc && nacc < 16)
				ut_strlcpy(accels[nacc++], p[i].accel, sizeof accels[0]);
			if (k < 16)
				na[k]++;
		}
		for (int k = 0; k < nacc; k++)
			if (best < 0 || na[k] > na[best])
				best = k;
		for (int i = 0; i < nd; i++) {
			int seen = 0, odd = best >= 0 && nacc > 1 && strcmp(p[i].accel, "none") &&
					    strcmp(p[i].accel, accels[best]);
			json_t *h = json_object_get(p[i].meta, "host"),
			       *tools = json_object_get(p[i].meta, "tools"), *b;

			for (size_t k = 0; k < json_array_size(hosts); k++)
				seen |= !strcmp(js_str(json_array_get(hosts, k), "name"), p[i].host);
			if (!seen)
				json_array_append_new(hosts, json_pack("{s:s, s:s, s:O?, s:s, s:s, s:s, s:b}",
					"name", p[i].host, "cpu", js_str(h, "cpu"),
					"cores", json_object_get(h, "cores"), "kernel", js_str(h, "kernel"),
					"qemu", js_str(tools, "qemu"), "accel", p[i].accel, "accel_differs", odd));
			if (odd) {
				size_t l = strlen(odd_note);

				snprintf(odd_note + l, sizeof odd_note - l, "%s%s ran %s, the others %s",
					 l ? "; " : "", p[i].host, p[i].accel, accels[best]);
			}
			b = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "block", p[i].index,
				      "run", p[i].block ? js_str(p[i].block, "run") : "",
				      "workload", p[i].block ? js_str(p[i].block, "workload") : "",
				      "what", p[i].block ? js_str(p[i].block, "what") : "",
				      "host", p[i].host, "accel", p[i].accel,
				      "slurm_job", p[i].block ? js_str(p[i].block, "slurm_job") : "",
				      "dir", p[i].dir, "accel_differs", odd);
			json_array_append_new(bl, b);
			if (!p[i].block) {	/* a plain set: the host of each of its jobs */
				json_t *pj = json_object_get(p[i].meta, "jobs");

				json_array_remove(bl, json_array_size(bl) - 1);
				for (size_t k = 0; k < json_array_size(pj); k++) {
					json_t *x = json_array_get(pj, k);

					json_array_append_new(bl, json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:b}",
						"block", -1, "run", js_str(x, "job"), "workload",
						js_str(x, "workload"), "host", p[i].host, "accel", p[i].accel,
						"dir", p[i].dir, "accel_differs", odd));
				}
			} else {
				json_object_set_new(b, "slurm_task", json_string(js_str(p[i].block, "slurm_task")));
			}
			json_array_extend(jobs, json_object_get(p[i].meta, "jobs"));
			json_array_append_new(from, json_string(p[i].dir));
		}
		for (int i = 0; i < nmiss; i++)
			json_array_append_new(bl, json_pack("{s:i, s:s, s:s}", "block", miss[i].block,
							    "state", "missing", "why", miss[i].why));
	}
	/* meta.json: the first part's, with every host, block and job */
	meta = nd ? json_deep_copy(p[0].meta) : json_object();
	for (int i = 0; i < argc; i++)
		json_array_append_new(cmd, json_string(argv[i]));
	{
		char now[32];

		iso_now(now, sizeof now);
		json_object_set_new(meta, "merged", json_string(now));
	}
	if (!nd)
		json_object_set_new(meta, "experiment", json_string(plan->experiment));
	for (int i = 1; i < nd; i++) {	/* start: the earliest, end: the latest */
		if (strcmp(js_str(p[i].meta, "start"), js_str(meta, "start")) < 0)
			json_object_set(meta, "start", json_object_get(p[i].meta, "start"));
		if (strcmp(js_str(p[i].meta, "end"), js_str(meta, "end")) > 0)
			json_object_set(meta, "end", json_object_get(p[i].meta, "end"));
	}
	json_object_set(meta, "merge_command", cmd);
	json_object_set(meta, "merged_from", from);
	if (json_array_size(hosts) > 1)	/* no one host stands for the set */
		json_object_set_new(meta, "host", json_pack("{s:s, s:s}", "name", "several",
							     "cpu", "several hosts: see \"hosts\""));
	json_object_set(meta, "hosts", hosts);
	json_object_set(meta, "blocks", bl);
	json_object_set(meta, "jobs", jobs);
	json_object_set_new(meta, "accel_warning", json_string(odd_note));
	json_object_set_new(meta, "order",
			    json_string("blocks (one [run] and workload each, every target in it interleaved "
					"as in a plain run) ran as Slurm array tasks, each on one host"));
	text = json_dumps(meta, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	if (ut_mkdirs(out) != 0 || !text) {
		snprintf(why, n, "cannot create %s", out);
		goto out;
	}
	{
		size_t l = strlen(text);
		char *t2 = realloc(text, l + 2);

		if (t2) {
			text = t2;
			memcpy(text + l, "\n", 2);
		}
	}
	if (rs_write(&rs, text) != 0) {
		snprintf(why, n, "cannot write the result files in %s", out);
		goto out;
	}
	for (int i = 0; i < nd; i++)
		copy_latency(p[i].dir, out, p[i].index);
	rc = rs.nf ? 1 : 0;
	if (odd_note[0])
		ut_err("merge: warning: accelerators differ (%s): those blocks are kept and marked", odd_note);
out:
	for (int i = 0; p && i < nd; i++) {
		json_decref(p[i].meta);
		json_decref(p[i].block);
	}
	free(p);
	free(text);
	json_decref(meta);
	json_decref(hosts);
	json_decref(bl);
	json_decref(jobs);
	json_decref(from);
	json_decref(cmd);
	rs_free(&rs);
	return rc;
}

/* bench --slurm --wait: every block folder of (parts), the missing ones said. */
int mg_merge_plan(const char *out, const char *parts, const struct run_plan *plan,
		  const struct sl_block *b, int nb, const struct mg_missing *miss, int nmiss,
		  char *why, size_t n)
{
	char **dirs = NULL;
	int nd = 0, rc;
	char *argv[] = { "ukbench", "bench", "--slurm", "--wait", (char *)plan->source, NULL };

	for (int i = 0; i < nb; i++) {
		char d[UKB_PATH + 32];
		int gone = 0;

		for (int k = 0; k < nmiss; k++)
			gone |= miss[k].block == b[i].index;
		snprintf(d, sizeof d, "%s/block-%d", parts, b[i].index);
		if (gone)
			continue;
		dirs = realloc(dirs, sizeof *dirs * (size_t)(nd + 1));
		dirs[nd++] = strdup(d);
	}
	rc = mg_merge(out, dirs, nd, plan, b, nb, miss, nmiss, 5, argv, why, n);
	for (int i = 0; i < nd; i++)
		free(dirs[i]);
	free(dirs);
	return rc;
}

int merge_main(int argc, char **argv)
{
	char **dirs = NULL, why[UKB_WHY];
	int nd = 0, rc;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: ukbench merge OUT DIR...\n"
		       "Combine partial result sets (the block-K folders of ukbench bench --slurm; a\n"
		       "DIR holding them, or DIR/parts, is taken whole) into one result set OUT:\n"
		       "samples.csv as always, meta.json with every host (CPU, kernel, QEMU,\n"
		       "accelerator) and which block ran where. Refused, with the reason: sets of\n"
		       "another experiment or git commit, a block twice or unfinished, a missing\n"
		       "block, a sample twice. Exit status 0, 1 if OUT has failures, 2 refused.\n");
		return 0;
	}
	if (argc < 3) {
		ut_err("merge: needs OUT and at least one partial result set (see ukbench merge --help)");
		return 2;
	}
	for (int i = 2; i < argc; i++)
		if (!expand(argv[i], &dirs, &nd)) {
			ut_err("merge: %s holds no result set (no meta.json, no block-N folders)", argv[i]);
			for (int k = 0; k < nd; k++)
				free(dirs[k]);
			free(dirs);
			return 2;
		}
	rc = mg_merge(argv[1], dirs, nd, NULL, NULL, 0, NULL, 0, argc, argv, why, sizeof why);
	if (rc == 2)
		ut_err("merge: %s", why);
	else
		printf("%s\n", argv[1]);
	for (int k = 0; k < nd; k++)
		free(dirs[k]);
	free(dirs);
	return rc;
}
