/* loadparse.c: parsers for the load generators' outputs: wrk's report (with
 * --latency) and redis-benchmark's --csv table. Pure functions over text, so
 * they are unit tested on captured real outputs (tests/data/).
 */
#include <stdlib.h>
#include <string.h>

#include "ukb.h"

/* "23.00us", "0.88ms", "1.20s" -> microseconds; -1 if malformed. */
static double wrk_time_us(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s)
		return -1;
	if (!strncmp(end, "us", 2))
		return v;
	if (!strncmp(end, "ms", 2))
		return v * 1e3;
	if (!strncmp(end, "m", 1))
		return v * 60e6;
	if (!strncmp(end, "s", 1))
		return v * 1e6;
	return -1;
}

int lp_wrk(const char *text, struct lp_wrk *w)
{
	const char *p;

	memset(w, 0, sizeof *w);
	w->p50_us = w->p99_us = -1;
	if (!(p = strstr(text, "Requests/sec:")))
		return -1;
	w->req_per_s = atof(p + strlen("Requests/sec:"));
	if ((p = strstr(text, "Latency Distribution"))) {
		const char *q50 = strstr(p, "50%"), *q99 = strstr(p, "99%");

		if (q50)
			w->p50_us = wrk_time_us(q50 + 3 + strspn(q50 + 3, " \t"));
		if (q99)
			w->p99_us = wrk_time_us(q99 + 3 + strspn(q99 + 3, " \t"));
	}
	/* "Socket errors: connect 0, read 0, write 0, timeout 0" */
	if ((p = strstr(text, "Socket errors:"))) {
		static const char *const kinds[] = { "connect ", "read ", "write ", "timeout " };
		const char *eol = strchr(p, '\n');

		for (int i = 0; i < 4; i++) {
			const char *k = strstr(p, kinds[i]);

			if (k && (!eol || k < eol))
				w->errors += atol(k + strlen(kinds[i]));
		}
	}
	if ((p = strstr(text, "Non-2xx or 3xx responses:")))
		w->errors += atol(p + strlen("Non-2xx or 3xx responses:"));
	if ((p = strstr(text, " requests in ")))
		while (p > text && p[-1] != '\n')
			p--;
	w->requests = p ? atol(p) : 0;
	return w->req_per_s > 0 ? 0 : -1;
}

/* One CSV field, quoted or not; advances *s past it and its comma. */
static void csv_field(const char **s, char *out, size_t n)
{
	const char *p = *s;
	size_t k = 0;
	int q = *p == '"';

	if (q)
		p++;
	while (*p && *p != '\n' && (q ? *p != '"' : *p != ',')) {
		if (k + 1 < n)
			out[k++] = *p;
		p++;
	}
	out[k] = '\0';
	if (q && *p == '"')
		p++;
	if (*p == ',')
		p++;
	*s = p;
}

/* Header "test","rps","avg_latency_ms",...,"p50_latency_ms",...,"p99_latency_ms"
 * (redis 7) or "test","rps" (redis 6); fn gets every data row. Lines before
 * the header (warnings) are skipped. */
int lp_redis_csv(const char *text, lp_redis_fn fn, void *ctx)
{
	int col_rps = -1, col_p50 = -1, col_p99 = -1, rows = 0;
	const char *p = strstr(text, "\"test\"");
	char f[64];

	if (!p)
		return -1;
	for (int i = 0; *p && *p != '\n'; i++) {
		csv_field(&p, f, sizeof f);
		if (!strcmp(f, "rps"))
			col_rps = i;
		else if (!strcmp(f, "p50_latency_ms"))
			col_p50 = i;
		else if (!strcmp(f, "p99_latency_ms"))
			col_p99 = i;
	}
	if (col_rps < 0)
		return -1;
	while (*p) {
		char name[64] = "";
		double rps = -1, p50 = -1, p99 = -1;

		if (*p == '\n')
			p++;
		for (int i = 0; *p && *p != '\n'; i++) {
			csv_field(&p, f, sizeof f);
			if (i == 0)
				ut_strlcpy(name, f, sizeof name);
			else if (i == col_rps)
				rps = atof(f);
			else if (i == col_p50)
				p50 = atof(f) * 1000;
			else if (i == col_p99)
				p99 = atof(f) * 1000;
		}
		if (name[0] && rps >= 0) {
			fn(ctx, name, rps, p50, p99);
			rows++;
		}
	}
	return rows ? 0 : -1;
}
