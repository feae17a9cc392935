/* json.c: the JSON side of a result set, with jansson: summary.json (the
 * rows of summary.csv, for notebooks and scripts) and meta.json read back
 * (js_meta_load) by report --html and compare.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ukb.h"

/* summary.json: {"experiment": E, "rows": [{job, target, workload, metric,
 * unit, n, median, min, max, p25, p75, ci_lo, ci_hi, ci_level}, ...]} in the
 * order of summary.csv (first appearance in samples). */
static void json_row(void *rows, const struct rs_sample *a, const struct st_summary *st)
{
	json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
		"job", a->job, "target", a->target, "workload", a->workload,
		"metric", a->metric, "unit", rs_unit(a->metric), "n", st->n,
		"median", st->median, "min", st->min, "max", st->max, "p25", st->p25,
		"p75", st->p75, "ci_lo", st->ci_lo, "ci_hi", st->ci_hi,
		"ci_level", st->ci_level));
}

int js_summary_json(const struct rs_set *r, struct ut_buf *b)
{
	json_t *root = json_object(), *rows = json_array();
	char *text = NULL;
	int rc = -1;

	if (!root || !rows || rs_summary_each(r, json_row, rows) != 0)
		goto out;
	json_object_set_new(root, "experiment", json_string(r->experiment));
	json_object_set(root, "rows", rows);
	text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	if (text) {
		ut_buf_add(b, text, strlen(text));
		ut_buf_add(b, "\n", 1);
		rc = 0;
	}
out:
	free(text);
	json_decref(rows);
	json_decref(root);
	return rc;
}

json_t *js_meta_load(const char *dir, char *why, size_t n)
{
	char path[UKB_PATH + 16];
	json_error_t e;
	json_t *j;

	snprintf(path, sizeof path, "%s/meta.json", dir);
	j = json_load_file(path, 0, &e);
	if (!j)
		snprintf(why, n, "meta.json: %s (line %d)", e.text, e.line);
	else if (!json_is_object(j)) {
		snprintf(why, n, "meta.json: not a JSON object");
		json_decref(j);
		j = NULL;
	}
	return j;
}

const char *js_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}
