/* dict.h: the kvstore's keyspace: a chained hash table keyed by SipHash-2-4
 * with a random seed, resized by incremental rehash (two tables; every
 * operation moves one bucket, dict_rehash_steps() moves more), values as
 * byte strings, optional expiry times (ms on a caller-given clock).
 * Call order: dict_init() -> dict_find/dict_get_live/dict_upsert/
 * dict_set_value/dict_delete ... -> dict_expire_scan() now and then ->
 * dict_free().
 *
 * Error policy: functions that allocate return NULL or -1 on out-of-memory
 * and leave the table unchanged; lookups never allocate. A resize that
 * cannot allocate is skipped (the table keeps working, only slower).
 * used_memory counts what the table holds (entries, keys, values and
 * bucket arrays) for the caller's maxmemory check.
 */
#ifndef DICT_H
#define DICT_H
#include <stddef.h>
#include <stdint.h>

struct dict_entry {
	struct dict_entry *next;
	uint64_t hash;
	int64_t expire;         /* ms; 0: never */
	char *val;
	size_t vlen, vcap;
	size_t klen;
	char key[];
};

struct dict_table {
	struct dict_entry **b;
	size_t size;            /* power of two, or 0 */
	size_t used;
};

struct dict {
	struct dict_table t[2];
	long long rehash;       /* next bucket of t[0] to move; -1: none */
	uint8_t seed[16];
	size_t used_memory;
	size_t nexpires;        /* entries with an expire time */
	size_t scan;            /* dict_expire_scan() cursor */
	unsigned long long expired;
};

uint64_t dict_siphash(const void *data, size_t len, const uint8_t key[16]);

void dict_init(struct dict *d, const uint8_t seed[16]);
void dict_free(struct dict *d);
size_t dict_size(const struct dict *d);
int dict_is_rehashing(const struct dict *d);

/* dict_find(d, key, klen): the entry, or NULL; ignores expiry. */
struct dict_entry *dict_find(struct dict *d, const char *key, size_t klen);
/* dict_get_live(d, key, klen, now): as dict_find, but an entry whose expire
 * time is <= now is deleted and NULL returned (lazy expiry). */
struct dict_entry *dict_get_live(struct dict *d, const char *key, size_t klen, int64_t now);
/* dict_upsert(d, key, klen, *created): the existing entry, or a new one
 * with an empty value (*created = 1). NULL on out-of-memory. */
struct dict_entry *dict_upsert(struct dict *d, const char *key, size_t klen, int *created);
/* dict_set_value(d, e, val, vlen): copies val into e. -1 on out-of-memory. */
int dict_set_value(struct dict *d, struct dict_entry *e, const char *val, size_t vlen);
/* dict_set_expire(d, e, when): when = 0 removes the expire time. */
void dict_set_expire(struct dict *d, struct dict_entry *e, int64_t when);
/* dict_delete(d, key, klen): 1 if it was there, 0 if not. */
int dict_delete(struct dict *d, const char *key, size_t klen);
void dict_clear(struct dict *d);
/* dict_rehash_steps(d, n): moves up to n buckets; 1 if rehash continues. */
int dict_rehash_steps(struct dict *d, int n);
/* dict_expire_scan(d, now, buckets): visits up to `buckets` buckets from a
 * cursor, deleting expired entries. Returns how many it deleted. */
size_t dict_expire_scan(struct dict *d, int64_t now, size_t buckets);

#endif
