/* dict.c: hash table with incremental rehash (contract in dict.h).
 * Lookups search t[0] then, while rehashing, t[1]; inserts go to t[1]
 * during a rehash; every find/upsert/delete first moves one bucket
 * (rehash_step) and may start a resize (maybe_resize: grow at load 1,
 * shrink below 1/8). */
#include "dict.h"

#include <stdlib.h>
#include <string.h>

#define MIN_SIZE 4
#define ENTRY_OVERHEAD 16       /* rough malloc header per allocation */

/* ---- SipHash-2-4 (Aumasson, Bernstein 2012) ---------------------------- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

static uint64_t le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);       /* x86-64 is little-endian */
	return v;
}

uint64_t dict_siphash(const void *data, size_t len, const uint8_t key[16])
{
	const uint8_t *in = data;
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
	uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
	size_t full = len & ~(size_t)7;
	uint64_t b = (uint64_t)len << 56, m;

	for (size_t i = 0; i < full; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t i = 0; i < (len & 7); i++)
		b |= (uint64_t)in[full + i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* ---- table ------------------------------------------------------------- */

void dict_init(struct dict *d, const uint8_t seed[16])
{
	memset(d, 0, sizeof(*d));
	memcpy(d->seed, seed, 16);
	d->rehash = -1;
}

size_t dict_size(const struct dict *d)
{
	return d->t[0].used + d->t[1].used;
}

int dict_is_rehashing(const struct dict *d)
{
	return d->rehash >= 0;
}

static size_t entry_mem(const struct dict_entry *e)
{
	return sizeof(*e) + e->klen + ENTRY_OVERHEAD + (e->vcap ? e->vcap + ENTRY_OVERHEAD : 0);
}

static void entry_free(struct dict *d, struct dict_entry *e)
{
	d->used_memory -= entry_mem(e);
	if (e->expire)
		d->nexpires--;
	free(e->val);
	free(e);
}

static int table_alloc(struct dict_table *t, size_t size)
{
	t->b = calloc(size, sizeof(*t->b));
	if (!t->b)
		return -1;
	t->size = size;
	t->used = 0;
	return 0;
}

/* Moves bucket d->rehash of t[0] into t[1]; ends the rehash when t[0] is
 * empty. Visits at most 10 empty buckets per step, as Redis does. */
static void rehash_step(struct dict *d)
{
	int empty = 10;

	if (d->rehash < 0)
		return;
	while (d->t[0].used && (size_t)d->rehash < d->t[0].size) {
		struct dict_entry *e = d->t[0].b[d->rehash];
		if (!e) {
			d->rehash++;
			if (--empty == 0)
				return;
			continue;
		}
		while (e) {
			struct dict_entry *next = e->next;
			size_t i = e->hash & (d->t[1].size - 1);
			e->next = d->t[1].b[i];
			d->t[1].b[i] = e;
			d->t[0].used--;
			d->t[1].used++;
			e = next;
		}
		d->t[0].b[d->rehash++] = NULL;
		break;
	}
	if (d->t[0].used == 0) {
		d->used_memory -= d->t[0].size * sizeof(void *);
		free(d->t[0].b);
		d->t[0] = d->t[1];
		memset(&d->t[1], 0, sizeof(d->t[1]));
		d->rehash = -1;
	}
}

int dict_rehash_steps(struct dict *d, int n)
{
	while (n-- > 0 && d->rehash >= 0)
		rehash_step(d);
	return d->rehash >= 0;
}

static size_t pow2_at_least(size_t n)
{
	size_t s = MIN_SIZE;
	while (s < n)
		s *= 2;
	return s;
}

/* Starts a resize when needed: to 2x used when used reaches size, down to
 * the used count when below 1/8 full. */
static void maybe_resize(struct dict *d)
{
	struct dict_table *t = &d->t[0];
	size_t want;

	if (d->rehash >= 0)
		return;
	if (t->size == 0) {
		if (table_alloc(t, MIN_SIZE) == 0)
			d->used_memory += MIN_SIZE * sizeof(void *);
		return;
	}
	if (t->used >= t->size)
		want = pow2_at_least(t->used * 2);
	else if (t->size > MIN_SIZE && t->used < t->size / 8)
		want = pow2_at_least(t->used);
	else
		return;
	if (want == t->size || table_alloc(&d->t[1], want) < 0)
		return;
	d->used_memory += want * sizeof(void *);
	d->rehash = 0;
}

static struct dict_entry **find_slot(struct dict *d, const char *key, size_t klen,
				     uint64_t h, int *table)
{
	for (int k = 0; k < 2; k++) {
		struct dict_table *t = &d->t[k];
		if (!t->size)
			continue;
		struct dict_entry **pp = &t->b[h & (t->size - 1)];
		for (; *pp; pp = &(*pp)->next) {
			struct dict_entry *e = *pp;
			if (e->hash == h && e->klen == klen && !memcmp(e->key, key, klen)) {
				*table = k;
				return pp;
			}
		}
		if (d->rehash < 0)
			break;
	}
	return NULL;
}

struct dict_entry *dict_find(struct dict *d, const char *key, size_t klen)
{
	int k;
	struct dict_entry **pp;

	if (dict_size(d) == 0)
		return NULL;
	rehash_step(d);
	pp = find_slot(d, key, klen, dict_siphash(key, klen, d->seed), &k);
	return pp ? *pp : NULL;
}

struct dict_entry *dict_get_live(struct dict *d, const char *key, size_t klen, int64_t now)
{
	struct dict_entry *e = dict_find(d, key, klen);

	if (e && e->expire && e->expire <= now) {
		dict_delete(d, key, klen);
		d->expired++;
		return NULL;
	}
	return e;
}

struct dict_entry *dict_upsert(struct dict *d, const char *key, size_t klen, int *created)
{
	uint64_t h = dict_siphash(key, klen, d->seed);
	struct dict_entry **pp, *e;
	struct dict_table *t;
	int k;

	*created = 0;
	rehash_step(d);
	if ((pp = find_slot(d, key, klen, h, &k)))
		return *pp;
	maybe_resize(d);
	t = &d->t[d->rehash >= 0 ? 1 : 0];
	if (!t->size)
		return NULL;
	e = malloc(sizeof(*e) + klen);
	if (!e)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->hash = h;
	e->klen = klen;
	memcpy(e->key, key, klen);
	size_t i = h & (t->size - 1);
	e->next = t->b[i];
	t->b[i] = e;
	t->used++;
	d->used_memory += entry_mem(e);
	*created = 1;
	return e;
}

int dict_set_value(struct dict *d, struct dict_entry *e, const char *val, size_t vlen)
{
	if (vlen > e->vcap || (e->vcap > 64 && vlen < e->vcap / 4)) {
		size_t cap = vlen ? vlen : 1;
		char *v = malloc(cap);
		if (!v)
			return -1;
		d->used_memory -= entry_mem(e);
		free(e->val);
		e->val = v;
		e->vcap = cap;
		d->used_memory += entry_mem(e);
	}
	memcpy(e->val, val, vlen);
	e->vlen = vlen;
	return 0;
}

void dict_set_expire(struct dict *d, struct dict_entry *e, int64_t when)
{
	if (!e->expire && when)
		d->nexpires++;
	else if (e->expire && !when)
		d->nexpires--;
	e->expire = when;
}

int dict_delete(struct dict *d, const char *key, size_t klen)
{
	struct dict_entry **pp, *e;
	int k;

	if (dict_size(d) == 0)
		return 0;
	rehash_step(d);
	pp = find_slot(d, key, klen, dict_siphash(key, klen, d->seed), &k);
	if (!pp)
		return 0;
	e = *pp;
	*pp = e->next;
	d->t[k].used--;
	entry_free(d, e);
	maybe_resize(d);
	return 1;
}

void dict_clear(struct dict *d)
{
	for (int k = 0; k < 2; k++) {
		struct dict_table *t = &d->t[k];
		for (size_t i = 0; i < t->size; i++) {
			struct dict_entry *e = t->b[i];
			while (e) {
				struct dict_entry *next = e->next;
				entry_free(d, e);
				e = next;
			}
		}
		d->used_memory -= t->size * sizeof(void *);
		free(t->b);
		memset(t, 0, sizeof(*t));
	}
	d->rehash = -1;
	d->scan = 0;
}

void dict_free(struct dict *d)
{
	dict_clear(d);
}

size_t dict_expire_scan(struct dict *d, int64_t now, size_t buckets)
{
	size_t removed = 0;

	if (!d->nexpires)
		return 0;
	while (buckets--) {
		size_t top = d->t[0].size > d->t[1].size ? d->t[0].size : d->t[1].size;
		if (!top)
			break;
		if (d->scan >= top)
			d->scan = 0;
		for (int k = 0; k < 2; k++) {
			struct dict_table *t = &d->t[k];
			if (d->scan >= t->size)
				continue;
			struct dict_entry **pp = &t->b[d->scan];
			while (*pp) {
				struct dict_entry *e = *pp;
				if (e->expire && e->expire <= now) {
					*pp = e->next;
					t->used--;
					entry_free(d, e);
					d->expired++;
					removed++;
				} else {
					pp = &e->next;
				}
			}
		}
		d->scan++;
	}
	/* deleting may leave the table sparse; shrink is started lazily */
	maybe_resize(d);
	return removed;
}
