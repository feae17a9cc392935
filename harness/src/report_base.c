/* report_base.c: the baseline of each job's rows, read from meta.json's jobs
 * ("target", "job", ..., "baseline" per job object), so that one table can
 * hold two machine types, each row read against its own null guest
 * (baseline_of in a [target], baseline in a [run]). rb_load() once,
 * rb_base() per cell (the markdown and the HTML report both).
 */
#include <stdlib.h>
#include <string.h>

#include "ukb.h"

static void field(const char *from, const char *end, const char *key, char *out, size_t n)
{
	const char *k = strstr(from, key);

	out[0] = '\0';
	if (!k || (end && k > end))
		return;
	k += strlen(key);
	snprintf(out, n, "%.*s", (int)strcspn(k, "\""), k);
}

int rb_load(const char *meta, struct rb_map *m)
{
	const char *p = meta ? strstr(meta, "\"jobs\": [") : NULL;

	memset(m, 0, sizeof *m);
	while (p && (p = strstr(p, "{\"target\": \"")) && m->n < RB_MAX) {
		const char *next = strstr(p + 1, "{\"target\": \"");
		struct rb_entry *e = &m->e[m->n];

		field(p, next, "{\"target\": \"", e->target, sizeof e->target);
		field(p, next, "\"job\": \"", e->job, sizeof e->job);
		field(p, next, "\"baseline\": \"", e->baseline, sizeof e->baseline);
		if (e->baseline[0])
			m->n++;
		p = next;
	}
	return m->n;
}

const char *rb_find(const struct rb_map *m, const char *job, const char *target)
{
	for (int i = 0; i < m->n; i++)
		if (!strcmp(m->e[i].target, target) && (!job[0] || !strcmp(m->e[i].job, job)))
			return m->e[i].baseline;
	return NULL;
}

const struct sm_row *rb_base(const struct sm_table *t, const struct rb_map *m,
			     const struct hm_map *hm, const char *baseline, const struct sm_row *c)
{
	const char *own = rb_find(m, c->job, c->target);
	const struct sm_row *b = own ? sm_find(t, own, c->label, c->metric) : NULL;

	if (!b && baseline)
		b = sm_find(t, baseline, c->label, c->metric);
	if (b && hm && hm_index(hm, b->job, b->workload) != hm_index(hm, c->job, c->workload))
		return NULL;	/* never one host's median over another's */
	return b && b->median != 0 ? b : NULL;
}

void rb_print(const struct rb_map *m, FILE *f)
{
	for (int i = 0; i < m->n; i++)
		if (!i || strcmp(m->e[i].baseline, m->e[i - 1].baseline) ||
		    strcmp(m->e[i].target, m->e[i - 1].target))
			fprintf(f, "%s%s against %s", i ? "; " : "Baselines per job: ", m->e[i].target,
				m->e[i].baseline);
	if (m->n)
		fprintf(f, ".");
}
