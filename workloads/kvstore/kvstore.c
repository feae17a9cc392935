/* kvstore: a Redis-protocol key-value server (RESP2 and inline commands,
 * pipelining) over the dict keyspace. main() -> loop: on_accept() ->
 * on_conn(): read -> process() (resp_parse, call() runs one command and
 * appends its reply) -> flush(); on_tick() does background rehash, active
 * expiry and idle timeouts. All replies follow Redis's wording. */
#include "ukb.h"
#include "resp.h"
#include "dict.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/socket.h>

#define IN_INIT    16384
#define OUT_HIGH   (256 * 1024)    /* stop executing while this much is unsent */

struct conn {
	int fd;
	int closing;
	int eof;
	uint64_t last_active;   /* ms */
	uint64_t partial_since; /* ms when the unfinished command began, 0: none */
	struct resp_parser rp;
	char *in;
	size_t inlen, incap;
	char *out;
	size_t outlen, outoff, outcap;
	int oom;                /* a reply could not be buffered */
};

static struct {
	struct dict db;
	long max_conns, nconns;
	size_t maxmemory, max_query, max_output;
	long long max_bulk;
	long timeout_ms, cmd_timeout_ms;
	int port;
	struct ukb_loop *loop;
	struct conn **conns;
	int max_fds;
	int64_t now;            /* ms, monotonic, refreshed per event */
	uint64_t start_ms;
	unsigned long long commands, accepted, rejected;
} S;

/* ---- replies ----------------------------------------------------------- */

static char *out_reserve(struct conn *c, size_t n)
{
	if (c->outoff && c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	if (c->outlen + n > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 16384;
		if (c->outlen + n > S.max_output) {     /* hostile reply size */
			c->oom = 1;
			return NULL;
		}
		while (cap < c->outlen + n)
			cap *= 2;
		char *p = realloc(c->out, cap);
		if (!p) {
			c->oom = 1;
			return NULL;
		}
		c->out = p;
		c->outcap = cap;
	}
	return c->out + c->outlen;
}

static void add_raw(struct conn *c, const char *s, size_t n)
{
	char *p = out_reserve(c, n);

	if (p) {
		memcpy(p, s, n);
		c->outlen += n;
	}
}

/* "" lit: only a string literal compiles, so sizeof is its length */
#define ADD_LIT(c, lit) add_raw((c), "" lit, sizeof(lit) - 1)

/* Writes the decimal of v at p; returns its length. */
static size_t fmt_ll(char *p, long long v)
{
	char tmp[24];
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	size_t n = 0, k = 0;

	do {
		tmp[n++] = '0' + u % 10;
		u /= 10;
	} while (u);
	if (v < 0)
		p[k++] = '-';
	while (n)
		p[k++] = tmp[--n];
	return k;
}

/* "<type><v>\r\n" for ':' integers and '*' / '$' headers */
static void add_num(struct conn *c, char type, long long v)
{
	char *p = out_reserve(c, 24);

	if (!p)
		return;
	p[0] = type;
	size_t n = 1 + fmt_ll(p + 1, v);
	p[n++] = '\r';
	p[n++] = '\n';
	c->outlen += n;
}

static void add_bulk(struct conn *c, const char *s, size_t n)
{
	char *p = out_reserve(c, n + 32);
	size_t k;

	if (!p)
		return;
	p[0] = '$';
	k = 1 + fmt_ll(p + 1, (long long)n);
	p[k++] = '\r';
	p[k++] = '\n';
	memcpy(p + k, s, n);
	k += n;
	p[k++] = '\r';
	p[k++] = '\n';
	c->outlen += k;
}

static void add_cstr_bulk(struct conn *c, const char *s)
{
	add_bulk(c, s, strlen(s));
}

static void add_err(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_err(struct conn *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 3)
		n = sizeof(buf) - 3;
	for (int i = 0; i < n; i++)     /* an error line must stay one line */
		if (buf[i] == '\r' || buf[i] == '\n')
			buf[i] = ' ';
	buf[n++] = '\r';
	buf[n++] = '\n';
	add_raw(c, buf, n);
}

#define NULL_BULK "$-1\r\n"
#define ERR_INT   "-ERR value is not an integer or out of range\r\n"
#define ERR_SYNTAX "-ERR syntax error\r\n"
#define ERR_OOM   "-OOM command not allowed when used memory > 'maxmemory'.\r\n"

/* ---- commands ---------------------------------------------------------- */

struct cmd_ctx {
	struct conn *c;
	char *buf;              /* the command's bytes; args index into it */
	struct resp_arg *argv;
	int argc;
};

#define ARG(x, i) ((x)->buf + (x)->argv[i].off)
#define ALEN(x, i) ((x)->argv[i].len)

static int arg_is(struct cmd_ctx *x, int i, const char *lit)
{
	size_t n = strlen(lit);
	return ALEN(x, i) == n && !strncasecmp(ARG(x, i), lit, n);
}

/* Strict int64 like Redis's string2ll: no spaces, no '+', no leading 0s. */
static int to_ll(const char *s, size_t n, long long *out)
{
	unsigned long long v = 0, lim;
	int neg = 0;
	size_t i = 0;

	if (n == 0 || n > 20)
		return -1;
	if (n == 1 && s[0] == '0') {
		*out = 0;
		return 0;
	}
	if (s[0] == '-') {
		neg = 1;
		i = 1;
		if (n == 1)
			return -1;
	}
	if (s[i] < '1' || s[i] > '9')
		return -1;
	lim = neg ? (unsigned long long)INT64_MAX + 1 : (unsigned long long)INT64_MAX;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = s[i] - '0';
		if (v > (lim - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = neg ? (long long)(0ull - v) : (long long)v;
	return 0;
}

static int arg_ll(struct cmd_ctx *x, int i, long long *v)
{
	if (to_ll(ARG(x, i), ALEN(x, i), v) < 0) {
		ADD_LIT(x->c, ERR_INT);
		return -1;
	}
	return 0;
}

static struct dict_entry *lookup(struct cmd_ctx *x, int i)
{
	return dict_get_live(&S.db, ARG(x, i), ALEN(x, i), S.now);
}

/* Stores argv[vi] under argv[ki]; keeps the TTL only if keep_ttl. */
static struct dict_entry *store(struct cmd_ctx *x, int ki, const char *v, size_t vlen, int keep_ttl)
{
	int created;
	struct dict_entry *e = dict_upsert(&S.db, ARG(x, ki), ALEN(x, ki), &created);

	if (!e)
		return NULL;
	if (dict_set_value(&S.db, e, v, vlen) < 0) {
		if (created)
			dict_delete(&S.db, ARG(x, ki), ALEN(x, ki));
		return NULL;
	}
	if (!keep_ttl && e->expire)
		dict_set_expire(&S.db, e, 0);
	return e;
}

static void cmd_ping(struct cmd_ctx *x)
{
	if (x->argc == 1)
		ADD_LIT(x->c, "+PONG\r\n");
	else if (x->argc == 2)
		add_bulk(x->c, ARG(x, 1), ALEN(x, 1));
	else
		add_err(x->c, "-ERR wrong number of arguments for 'ping' command");
}

static void cmd_echo(struct cmd_ctx *x)
{
	add_bulk(x->c, ARG(x, 1), ALEN(x, 1));
}

static void cmd_get(struct cmd_ctx *x)
{
	struct dict_entry *e = lookup(x, 1);

	if (!e)
		ADD_LIT(x->c, NULL_BULK);
	else
		add_bulk(x->c, e->val, e->vlen);
}

/* SET key value [NX|XX] [EX s|PX ms|KEEPTTL] [GET] */
static void cmd_set(struct cmd_ctx *x)
{
	int nx = 0, xx = 0, keepttl = 0, get = 0, unit = 0;
	long long ttl = 0;

	for (int i = 3; i < x->argc; i++) {
		if (arg_is(x, i, "nx") && !xx)
			nx = 1;
		else if (arg_is(x, i, "xx") && !nx)
			xx = 1;
		else if (arg_is(x, i, "get"))
			get = 1;
		else if (arg_is(x, i, "keepttl") && !unit)
			keepttl = 1;
		else if ((arg_is(x, i, "ex") || arg_is(x, i, "px")) && !unit && !keepttl &&
			 i + 1 < x->argc) {
			unit = arg_is(x, i, "ex") ? 1000 : 1;
			if (arg_ll(x, ++i, &ttl) < 0)
				return;
			if (ttl <= 0 || ttl > INT64_MAX / 1000 / 2) {
				add_err(x->c, "-ERR invalid expire time in 'set' command");
				return;
			}
		} else {
			ADD_LIT(x->c, ERR_SYNTAX);
			return;
		}
	}
	/* plain SET needs no lookup: an old (even expired) entry is overwritten
	 * and loses its TTL, which is what a fresh one would be */
	struct dict_entry *old = nx || xx || get ? lookup(x, 1) : NULL;
	if (get) {
		if (old)
			add_bulk(x->c, old->val, old->vlen);
		else
			ADD_LIT(x->c, NULL_BULK);
	}
	if ((nx && old) || (xx && !old)) {
		if (!get)
			ADD_LIT(x->c, NULL_BULK);
		return;
	}
	struct dict_entry *e = store(x, 1, ARG(x, 2), ALEN(x, 2), keepttl);
	if (!e) {
		if (!get)
			ADD_LIT(x->c, ERR_OOM);
		return;
	}
	if (unit)
		dict_set_expire(&S.db, e, S.now + ttl * unit);
	if (!get)
		ADD_LIT(x->c, "+OK\r\n");
}

static void cmd_del(struct cmd_ctx *x)
{
	long long n = 0;

	for (int i = 1; i < x->argc; i++)
		if (lookup(x, i))
			n += dict_delete(&S.db, ARG(x, i), ALEN(x, i));
	add_num(x->c, ':', n);
}

static void cmd_exists(struct cmd_ctx *x)
{
	long long n = 0;

	for (int i = 1; i < x->argc; i++)
		n += lookup(x, i) != NULL;
	add_num(x->c, ':', n);
}

static void incr_by(struct cmd_ctx *x, long long by)
{
	struct dict_entry *e = lookup(x, 1);
	long long v = 0;
	char buf[24];

	if (e && to_ll(e->val, e->vlen, &v) < 0) {
		ADD_LIT(x->c, ERR_INT);
		return;
	}
	if ((by > 0 && v > INT64_MAX - by) || (by < 0 && v < INT64_MIN - by)) {
		add_err(x->c, "-ERR increment or decrement would overflow");
		return;
	}
	v += by;
	size_t n = fmt_ll(buf, v);
	if (!store(x, 1, buf, n, 1)) {
		ADD_LIT(x->c, ERR_OOM);
		return;
	}
	add_num(x->c, ':', v);
}

static void cmd_incr(struct cmd_ctx *x) { incr_by(x, 1); }
static void cmd_decr(struct cmd_ctx *x) { incr_by(x, -1); }

static void cmd_incrby(struct cmd_ctx *x)
{
	long long by;

	if (arg_ll(x, 2, &by) == 0)
		incr_by(x, by);
}

static void cmd_decrby(struct cmd_ctx *x)
{
	long long by;

	if (arg_ll(x, 2, &by) < 0)
		return;
	if (by == INT64_MIN) {
		add_err(x->c, "-ERR decrement would overflow");
		return;
	}
	incr_by(x, -by);
}

static void cmd_mget(struct cmd_ctx *x)
{
	add_num(x->c, '*', x->argc - 1);
	for (int i = 1; i < x->argc; i++) {
		struct dict_entry *e = lookup(x, i);
		if (e)
			add_bulk(x->c, e->val, e->vlen);
		else
			ADD_LIT(x->c, NULL_BULK);
	}
}

static void cmd_mset(struct cmd_ctx *x)
{
	if (x->argc % 2 == 0) {
		add_err(x->c, "-ERR wrong number of arguments for 'mset' command");
		return;
	}
	for (int i = 1; i < x->argc; i += 2)
		if (!store(x, i, ARG(x, i + 1), ALEN(x, i + 1), 0)) {
			ADD_LIT(x->c, ERR_OOM);
			return;
		}
	ADD_LIT(x->c, "+OK\r\n");
}

static void cmd_dbsize(struct cmd_ctx *x)
{
	add_num(x->c, ':', (long long)dict_size(&S.db));
}

static void cmd_flushall(struct cmd_ctx *x)
{
	if (x->argc > 2 || (x->argc == 2 && !arg_is(x, 1, "sync") && !arg_is(x, 1, "async"))) {
		ADD_LIT(x->c, ERR_SYNTAX);
		return;
	}
	dict_clear(&S.db);
	ADD_LIT(x->c, "+OK\r\n");
}

/* EXPIRE/PEXPIRE key time: a time <= 0 deletes the key. */
static void expire_generic(struct cmd_ctx *x, long long unit, const char *name)
{
	long long t;
	struct dict_entry *e;

	if (arg_ll(x, 2, &t) < 0)
		return;
	if (t > INT64_MAX / 1000 / 2 || t < -(INT64_MAX / 1000 / 2)) {
		add_err(x->c, "-ERR invalid expire time in '%s' command", name);
		return;
	}
	if (!(e = lookup(x, 1))) {
		ADD_LIT(x->c, ":0\r\n");
		return;
	}
	if (t <= 0) {
		dict_delete(&S.db, ARG(x, 1), ALEN(x, 1));
		S.db.expired++;
	} else {
		dict_set_expire(&S.db, e, S.now + t * unit);
	}
	ADD_LIT(x->c, ":1\r\n");
}

static void cmd_expire(struct cmd_ctx *x) { expire_generic(x, 1000, "expire"); }
static void cmd_pexpire(struct cmd_ctx *x) { expire_generic(x, 1, "pexpire"); }

static void ttl_generic(struct cmd_ctx *x, int ms)
{
	struct dict_entry *e = lookup(x, 1);

	if (!e)
		add_num(x->c, ':', -2);
	else if (!e->expire)
		add_num(x->c, ':', -1);
	else {
		long long left = e->expire - S.now;
		add_num(x->c, ':', ms ? left : (left + 500) / 1000);
	}
}

static void cmd_ttl(struct cmd_ctx *x) { ttl_generic(x, 0); }
static void cmd_pttl(struct cmd_ctx *x) { ttl_generic(x, 1); }

static void cmd_persist(struct cmd_ctx *x)
{
	struct dict_entry *e = lookup(x, 1);

	if (!e || !e->expire) {
		ADD_LIT(x->c, ":0\r\n");
		return;
	}
	dict_set_expire(&S.db, e, 0);
	ADD_LIT(x->c, ":1\r\n");
}

static void cmd_select(struct cmd_ctx *x)
{
	long long db;

	if (to_ll(ARG(x, 1), ALEN(x, 1), &db) < 0) {
		add_err(x->c, "-ERR value is not an integer or out of range");
		return;
	}
	if (db != 0) {
		add_err(x->c, "-ERR DB index is out of range");
		return;
	}
	ADD_LIT(x->c, "+OK\r\n");
}

static void cmd_quit(struct cmd_ctx *x)
{
	ADD_LIT(x->c, "+OK\r\n");
	x->c->closing = 1;
}

/* INFO: only figures this server really has. */
static void cmd_info(struct cmd_ctx *x)
{
	char buf[2048];
	int n = snprintf(buf, sizeof(buf),
		"# Server\r\nukbench_kvstore:1\r\nredis_mode:standalone\r\nmultiplexing_api:%s\r\n"
		"tcp_port:%d\r\nuptime_in_seconds:%llu\r\n\r\n"
		"# Clients\r\nconnected_clients:%ld\r\nmaxclients:%ld\r\n\r\n"
		"# Memory\r\nused_memory:%zu\r\nmaxmemory:%zu\r\nmaxmemory_policy:noeviction\r\n\r\n"
		"# Stats\r\ntotal_connections_received:%llu\r\ntotal_commands_processed:%llu\r\n"
		"rejected_connections:%llu\r\nexpired_keys:%llu\r\n\r\n"
		"# Keyspace\r\n",
		ukb_loop_backend(S.loop), S.port, (unsigned long long)(ukb_now_ms() - S.start_ms) / 1000,
		S.nconns, S.max_conns, S.db.used_memory, S.maxmemory,
		S.accepted, S.commands, S.rejected, S.db.expired);
	if (dict_size(&S.db) && n < (int)sizeof(buf))
		n += snprintf(buf + n, sizeof(buf) - n, "db0:keys=%zu,expires=%zu,avg_ttl=0\r\n",
			      dict_size(&S.db), S.db.nexpires);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	add_bulk(x->c, buf, n);
}

/* CONFIG GET pattern: the parameters this server has ('*' for all). */
static void cmd_config(struct cmd_ctx *x)
{
	char mm[24];
	const char *params[][2] = {
		{ "save", "" }, { "appendonly", "no" }, { "maxmemory", mm },
		{ "maxmemory-policy", "noeviction" }, { "databases", "1" },
	};
	const int np = sizeof(params) / sizeof(params[0]);

	mm[fmt_ll(mm, (long long)S.maxmemory)] = 0;
	if (!arg_is(x, 1, "get")) {
		add_err(x->c, "-ERR unknown subcommand '%.*s'. Only CONFIG GET is supported.",
			(int)(ALEN(x, 1) > 64 ? 64 : ALEN(x, 1)), ARG(x, 1));
		return;
	}
	if (x->argc < 3) {
		add_err(x->c, "-ERR wrong number of arguments for 'config|get' command");
		return;
	}
	int match[8] = { 0 }, count = 0;
	for (int k = 0; k < np; k++)
		for (int i = 2; i < x->argc; i++)
			if (arg_is(x, i, "*") || arg_is(x, i, params[k][0])) {
				match[k] = 1;
				count++;
				break;
			}
	add_num(x->c, '*', 2 * count);
	for (int k = 0; k < np; k++)
		if (match[k]) {
			add_cstr_bulk(x->c, params[k][0]);
			add_cstr_bulk(x->c, params[k][1]);
		}
}

static void cmd_command(struct cmd_ctx *x);

struct command {
	const char *name;
	size_t len;
	int arity;              /* > 0 exact argc, < 0 at least -arity */
	int denyoom;            /* may grow memory */
	void (*fn)(struct cmd_ctx *x);
};

#define CMD(name, arity, denyoom, fn) { name, sizeof(name) - 1, arity, denyoom, fn }
static const struct command commands[] = {
	CMD("get", 2, 0, cmd_get),
	CMD("set", -3, 1, cmd_set),
	CMD("ping", -1, 0, cmd_ping),
	CMD("incr", 2, 1, cmd_incr),
	CMD("mset", -3, 1, cmd_mset),
	CMD("mget", -2, 0, cmd_mget),
	CMD("del", -2, 0, cmd_del),
	CMD("decr", 2, 1, cmd_decr),
	CMD("incrby", 3, 1, cmd_incrby),
	CMD("decrby", 3, 1, cmd_decrby),
	CMD("exists", -2, 0, cmd_exists),
	CMD("echo", 2, 0, cmd_echo),
	CMD("expire", 3, 0, cmd_expire),
	CMD("pexpire", 3, 0, cmd_pexpire),
	CMD("ttl", 2, 0, cmd_ttl),
	CMD("pttl", 2, 0, cmd_pttl),
	CMD("persist", 2, 0, cmd_persist),
	CMD("dbsize", 1, 0, cmd_dbsize),
	CMD("flushall", -1, 0, cmd_flushall),
	CMD("flushdb", -1, 0, cmd_flushall),
	CMD("select", 2, 0, cmd_select),
	CMD("info", -1, 0, cmd_info),
	CMD("config", -2, 0, cmd_config),
	CMD("command", -1, 0, cmd_command),
	CMD("quit", -1, 0, cmd_quit),
};
#define NCOMMANDS (int)(sizeof(commands) / sizeof(commands[0]))

static void command_info(struct conn *c, const struct command *k)
{
	add_num(c, '*', 6);
	add_cstr_bulk(c, k->name);
	add_num(c, ':', k->arity);
	add_num(c, '*', 1);
	if (k->denyoom)
		ADD_LIT(c, "+write\r\n");
	else
		ADD_LIT(c, "+readonly\r\n");
	add_num(c, ':', k->arity == 1 || !strcmp(k->name, "ping") ? 0 : 1);
	add_num(c, ':', !strcmp(k->name, "mset") || !strcmp(k->name, "mget") ||
			       !strcmp(k->name, "del") || !strcmp(k->name, "exists") ? -1 :
		       k->arity == 1 || !strcmp(k->name, "ping") ? 0 : 1);
	add_num(c, ':', !strcmp(k->name, "mset") ? 2 : k->arity == 1 ? 0 : 1);
}

static const struct command *find_command(const char *name, size_t len)
{
	char low[16];

	if (len >= sizeof(low))
		return NULL;
	for (size_t i = 0; i < len; i++)
		low[i] = (name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i];
	for (int k = 0; k < NCOMMANDS; k++)
		if (commands[k].len == len && !memcmp(commands[k].name, low, len))
			return &commands[k];
	return NULL;
}

/* COMMAND, COMMAND COUNT, COMMAND INFO name..., COMMAND DOCS (empty). */
static void cmd_command(struct cmd_ctx *x)
{
	if (x->argc == 1) {
		add_num(x->c, '*', NCOMMANDS);
		for (int k = 0; k < NCOMMANDS; k++)
			command_info(x->c, &commands[k]);
	} else if (arg_is(x, 1, "count")) {
		add_num(x->c, ':', NCOMMANDS);
	} else if (arg_is(x, 1, "docs")) {
		ADD_LIT(x->c, "*0\r\n");
	} else if (arg_is(x, 1, "info")) {
		add_num(x->c, '*', x->argc - 2);
		for (int i = 2; i < x->argc; i++) {
			const struct command *k = find_command(ARG(x, i), ALEN(x, i));
			if (k)
				command_info(x->c, k);
			else
				ADD_LIT(x->c, "*-1\r\n");
		}
	} else {
		add_err(x->c, "-ERR unknown subcommand '%.*s'. Try COMMAND HELP.",
			(int)(ALEN(x, 1) > 64 ? 64 : ALEN(x, 1)), ARG(x, 1));
	}
}

static void call(struct cmd_ctx *x)
{
	const struct command *k = find_command(ARG(x, 0), ALEN(x, 0));

	S.commands++;
	if (!k) {
		char args[256];
		size_t n = 0;
		for (int i = 1; i < x->argc && n < 200; i++)
			n += snprintf(args + n, sizeof(args) - n, "'%.*s' ",
				      (int)(ALEN(x, i) > 40 ? 40 : ALEN(x, i)), ARG(x, i));
		args[n] = 0;
		add_err(x->c, "-ERR unknown command '%.*s', with args beginning with: %s",
			(int)(ALEN(x, 0) > 64 ? 64 : ALEN(x, 0)), ARG(x, 0), args);
		return;
	}
	if ((k->arity > 0 && x->argc != k->arity) || (k->arity < 0 && x->argc < -k->arity)) {
		add_err(x->c, "-ERR wrong number of arguments for '%s' command", k->name);
		return;
	}
	if (k->denyoom && S.db.used_memory > S.maxmemory) {
		ADD_LIT(x->c, ERR_OOM);
		return;
	}
	k->fn(x);
}

/* ---- connections ------------------------------------------------------- */

/* Runs every complete command in c->in while the output stays below
 * OUT_HIGH. Returns 1 if it stopped for the output with input left. */
static int process(struct conn *c)
{
	size_t start = 0;
	int blocked = 0;

	while (!c->closing && start < c->inlen) {
		if (c->outlen - c->outoff >= OUT_HIGH) {
			blocked = 1;
			break;
		}
		int r = resp_parse(&c->rp, c->in + start, c->inlen - start);
		if (r == RESP_MORE)
			break;
		if (r == RESP_ERR) {
			add_err(c, "-ERR %s", c->rp.err);
			c->closing = 1;
			break;
		}
		if (c->rp.argc > 0) {
			struct cmd_ctx x = { c, c->in + start, c->rp.argv, c->rp.argc };
			call(&x);
		}
		start += r;
		resp_reset(&c->rp);
		if (c->oom)
			c->closing = 1;
	}
	if (start) {
		memmove(c->in, c->in + start, c->inlen - start);
		c->inlen -= start;
		c->partial_since = 0;
	}
	if (!c->inlen)
		c->partial_since = 0;
	else if (!c->partial_since)
		c->partial_since = S.now;
	return blocked;
}

static int flush(struct conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t w = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
		if (w < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->outoff += w;
	}
	c->outoff = c->outlen = 0;
	/* give back a buffer a big reply inflated */
	if (c->outcap > 1024 * 1024) {
		free(c->out);
		c->out = NULL;
		c->outcap = 0;
	}
	return 1;
}

static void conn_close(struct ukb_loop *l, struct conn *c)
{
	ukb_loop_del(l, c->fd);
	close(c->fd);
	S.conns[c->fd] = NULL;
	resp_free(&c->rp);
	free(c->in);
	free(c->out);
	free(c);
	S.nconns--;
}

/* Grows the input buffer when full, up to max_query. -1 at the limit. */
static int in_room(struct conn *c)
{
	if (c->inlen < c->incap)
		return 0;
	if (c->incap >= S.max_query)
		return -1;
	size_t cap = c->incap * 2 > S.max_query ? S.max_query : c->incap * 2;
	char *p = realloc(c->in, cap);
	if (!p)
		return -1;
	c->in = p;
	c->incap = cap;
	return 0;
}

static void on_conn(struct ukb_loop *l, int fd, unsigned ev, void *arg)
{
	struct conn *c = arg;
	int done = 1;

	(void)fd;
	(void)ev;
	S.now = (int64_t)ukb_now_ms();
	c->last_active = S.now;
	for (int round = 0; round < 16; round++) {
		int more = 0;
		if (!c->eof && !c->closing && c->outlen - c->outoff < OUT_HIGH) {
			if (in_room(c) < 0) {
				add_err(c, "-ERR Protocol error: query buffer limit (%zu bytes) reached", S.max_query);
				c->closing = 1;
			} else {
				size_t room = c->incap - c->inlen;
				ssize_t r = recv(c->fd, c->in + c->inlen, room, 0);
				if (r > 0) {
					c->inlen += r;
					more = (size_t)r == room;
				} else if (r == 0) {
					c->eof = 1;
				} else if (errno != EAGAIN && errno != EINTR) {
					conn_close(l, c);
					return;
				}
			}
		}
		if (process(c))
			more = 1;
		done = flush(c);
		if (done < 0) {
			conn_close(l, c);
			return;
		}
		if (!done || !more)
			break;
	}
	if (done && (c->closing || c->eof)) {
		conn_close(l, c);
		return;
	}
	/* shrink an input buffer a big command inflated */
	if (c->incap > 4 * IN_INIT && c->inlen < IN_INIT) {
		char *p = realloc(c->in, IN_INIT);
		if (p) {
			c->in = p;
			c->incap = IN_INIT;
		}
	}
	ukb_loop_mod(l, c->fd, done ? UKB_EV_READ : UKB_EV_WRITE);
}

static void on_accept(struct ukb_loop *l, int lfd, unsigned ev, void *arg)
{
	static const char full[] = "-ERR max number of clients reached\r\n";

	(void)ev;
	(void)arg;
	for (int i = 0; i < 64; i++) {
		int fd = ukb_accept(lfd);
		struct conn *c = NULL;

		if (fd < 0)
			return;
		if (S.nconns >= S.max_conns || fd >= S.max_fds || !(c = calloc(1, sizeof(*c))) ||
		    !(c->in = malloc(IN_INIT))) {
			(void)!send(fd, full, sizeof(full) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			free(c);
			S.rejected++;
			continue;
		}
		c->fd = fd;
		c->incap = IN_INIT;
		c->last_active = ukb_now_ms();
		resp_init(&c->rp, S.max_bulk, 1024 * 1024, 64 * 1024);
		if (ukb_loop_add(l, fd, UKB_EV_READ, on_conn, c) < 0) {
			close(fd);
			free(c->in);
			free(c);
			continue;
		}
		S.conns[fd] = c;
		S.nconns++;
		S.accepted++;
	}
}

/* After every wakeup (at least every 100 ms): background rehash, active
 * expiry for at most ~1 ms, and, once a second, closing clients idle past
 * --timeout or with a command unfinished for --command-timeout (slow or
 * stalled senders: the memory they hold is freed in bounded time). */
static void on_tick(struct ukb_loop *l, void *arg)
{
	static uint64_t last_cron, last_scan;
	uint64_t now = ukb_now_ms();

	(void)arg;
	S.now = (int64_t)now;
	if (now - last_cron < 100)
		return;
	last_cron = now;
	uint64_t t0 = ukb_now_ns();
	while (dict_is_rehashing(&S.db) && ukb_now_ns() - t0 < 1000000)
		dict_rehash_steps(&S.db, 100);
	while (S.db.nexpires && ukb_now_ns() - t0 < 1000000)
		if (dict_expire_scan(&S.db, S.now, 64) == 0 && S.db.scan == 0)
			break;
	if (now - last_scan < 1000)
		return;
	last_scan = now;
	for (int fd = 0; fd < S.max_fds; fd++) {
		struct conn *c = S.conns[fd];
		if (!c)
			continue;
		if ((S.timeout_ms && now - c->last_active > (uint64_t)S.timeout_ms) ||
		    (c->partial_since && now - c->partial_since > (uint64_t)S.cmd_timeout_ms))
			conn_close(l, c);
	}
}

static void seed_hash(uint8_t seed[16])
{
	const uint8_t *r = (const uint8_t *)getauxval(AT_RANDOM);   /* 16 bytes */
	uint64_t t = ukb_now_ns();

	memset(seed, 0, 16);
	if (r)
		memcpy(seed, r, 16);
	for (int i = 0; i < 8; i++)
		seed[i] ^= (uint8_t)(t >> (8 * i));
}

int main(int argc, char **argv)
{
	struct ukb_srv srv = { .port = 6379, .max_conns = 1024 };
	long timeout_s = 0, cmd_timeout_s = 30;
	struct ukb_opt opts[UKB_SRV_NOPTS + 6];
	struct ukb_loop loop;
	uint8_t seed[16];
	int lfd, err;

	S.maxmemory = 64 << 20;
	S.max_bulk = 8 << 20;
	S.max_query = 0;
	S.max_output = 32 << 20;
	ukb_srv_opts(&srv, opts);
	opts[UKB_SRV_NOPTS] = (struct ukb_opt){ "maxmemory", UKB_OPT_SIZE, &S.maxmemory, 1 << 16, 1LL << 40,
						"refuse writes above this many bytes (default 64m)" };
	opts[UKB_SRV_NOPTS + 1] = (struct ukb_opt){ "max-bulk", UKB_OPT_SIZE, &S.max_bulk, 1024, 512LL << 20,
						    "largest argument, bytes (default 8m)" };
	opts[UKB_SRV_NOPTS + 2] = (struct ukb_opt){ "max-query", UKB_OPT_SIZE, &S.max_query, 65536, 1LL << 32,
						    "per-client input buffer limit (default 2 x max-bulk + 64k)" };
	opts[UKB_SRV_NOPTS + 3] = (struct ukb_opt){ "timeout", UKB_OPT_INT, &timeout_s, 0, 86400,
						    "close clients idle this many seconds (0 = never)" };
	opts[UKB_SRV_NOPTS + 4] = (struct ukb_opt){ "max-output", UKB_OPT_SIZE, &S.max_output, 65536, 1LL << 40,
						    "per-client reply buffer limit; clients past it are closed (default 32m)" };
	opts[UKB_SRV_NOPTS + 5] = (struct ukb_opt){ "command-timeout", UKB_OPT_INT, &cmd_timeout_s, 1, 86400,
						    "close a client whose command stays unfinished this long (default 30)" };
	if (ukb_args_parse(argc, argv, "kvstore", "[options]", opts, UKB_SRV_NOPTS + 6) < argc) {
		ukb_printf("kvstore: unexpected argument (try --help)\n");
		return 2;
	}
	if (!S.max_query)
		S.max_query = 2 * (size_t)S.max_bulk + 65536;
	if (S.max_query < (size_t)S.max_bulk + 64) {
		ukb_printf("kvstore: --max-query must exceed --max-bulk\n");
		return 2;
	}
	S.timeout_ms = timeout_s * 1000;
	S.cmd_timeout_ms = cmd_timeout_s * 1000;
	S.max_conns = srv.max_conns;
	S.max_fds = S.max_conns + 64;
	S.conns = calloc(S.max_fds, sizeof(*S.conns));
	if (!S.conns) {
		ukb_printf("kvstore: out of memory\n");
		return 1;
	}
	seed_hash(seed);
	dict_init(&S.db, seed);
	S.start_ms = ukb_now_ms();
	S.now = (int64_t)S.start_ms;
	ukb_signals_init();
	if ((err = ukb_loop_init(&loop, S.max_fds, srv.use_poll)) < 0) {
		ukb_printf("kvstore: event loop: %s\n", strerror(-err));
		return 1;
	}
	S.loop = &loop;
	lfd = ukb_listen_tcp(srv.bind, srv.port, 511, &S.port);
	if (lfd < 0 || ukb_loop_add(&loop, lfd, UKB_EV_READ, on_accept, NULL) < 0) {
		ukb_printf("kvstore: listen on port %ld: %s\n", srv.port, strerror(lfd < 0 ? -lfd : EMFILE));
		return 1;
	}
	ukb_loop_set_tick(&loop, 100, on_tick, NULL);
	ukb_ready("kvstore", S.port);
	err = ukb_loop_run(&loop);
	ukb_printf("kvstore: stopping (%s): %llu commands, %llu connections, %zu keys, %zu bytes used\n",
		   ukb_loop_backend(&loop), S.commands, S.accepted, dict_size(&S.db), S.db.used_memory);
	if (err < 0) {
		ukb_printf("kvstore: event loop: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
