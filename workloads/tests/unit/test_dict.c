/* test_dict.c: Criterion tests for kvstore/dict.c: SipHash vector, insert /
 * find / delete, growth and shrink by incremental rehash (with lookups,
 * inserts and deletes in the middle of a rehash), lazy and active expiry,
 * memory accounting back to zero. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "dict.h"

static struct dict D;
static const uint8_t SEED[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static void setup(void) { dict_init(&D, SEED); }
static void teardown(void) { dict_free(&D); }

static struct dict_entry *put(const char *k, const char *v)
{
	int created;
	struct dict_entry *e = dict_upsert(&D, k, strlen(k), &created);
	cr_assert_not_null(e);
	cr_assert_eq(dict_set_value(&D, e, v, strlen(v)), 0);
	return e;
}

static int has(const char *k, const char *v)
{
	struct dict_entry *e = dict_find(&D, k, strlen(k));
	return e && e->vlen == strlen(v) && !memcmp(e->val, v, e->vlen);
}

TestSuite(dict, .init = setup, .fini = teardown);

Test(dict, siphash24_reference_vector)
{
	/* SipHash-2-4 paper, appendix A: key 00..0f, message 00..0e */
	uint8_t key[16], msg[15];
	for (int i = 0; i < 16; i++) key[i] = i;
	for (int i = 0; i < 15; i++) msg[i] = i;
	cr_assert_eq(dict_siphash(msg, 15, key), 0xa129ca6149be45e5ull);
}

Test(dict, insert_find_overwrite_delete)
{
	int created;
	put("a", "1");
	put("b", "2");
	cr_assert(has("a", "1") && has("b", "2"));
	cr_assert_eq(dict_size(&D), 2);
	dict_upsert(&D, "a", 1, &created);
	cr_assert_eq(created, 0);
	put("a", "a much longer value than before");
	cr_assert(has("a", "a much longer value than before"));
	cr_assert_eq(dict_delete(&D, "a", 1), 1);
	cr_assert_eq(dict_delete(&D, "a", 1), 0);
	cr_assert_null(dict_find(&D, "a", 1));
	cr_assert_eq(dict_size(&D), 1);
	/* binary keys, including NUL and a prefix of another key */
	cr_assert_not_null(dict_upsert(&D, "x\0y", 3, &created));
	cr_assert_null(dict_find(&D, "x", 1));
	cr_assert_not_null(dict_find(&D, "x\0y", 3));
}

Test(dict, growth_keeps_everything_findable)
{
	char k[32], v[32];
	int saw_rehash = 0;
	for (int i = 0; i < 100000; i++) {
		sprintf(k, "key:%d", i);
		sprintf(v, "v%d", i);
		put(k, v);
		saw_rehash |= dict_is_rehashing(&D);
		if (i % 997 == 0) {     /* spot checks while rehashing */
			sprintf(k, "key:%d", i / 2);
			sprintf(v, "v%d", i / 2);
			cr_assert(has(k, v), "lost %s at %d", k, i);
		}
	}
	cr_assert(saw_rehash);
	cr_assert_eq(dict_size(&D), 100000);
	for (int i = 0; i < 100000; i++) {
		sprintf(k, "key:%d", i);
		sprintf(v, "v%d", i);
		cr_assert(has(k, v), "lost %s", k);
	}
}

Test(dict, deletes_and_inserts_during_rehash)
{
	char k[32];
	for (int i = 0; i < 4096; i++) {
		sprintf(k, "k%d", i);
		put(k, "x");
	}
	/* push it into a rehash, then mutate half-way through */
	while (!dict_is_rehashing(&D)) {
		static int j = 4096;
		sprintf(k, "k%d", j++);
		put(k, "x");
	}
	size_t n = dict_size(&D);
	cr_assert(dict_is_rehashing(&D));
	for (int i = 0; i < 4096; i += 2) {
		sprintf(k, "k%d", i);
		cr_assert_eq(dict_delete(&D, k, strlen(k)), 1, "delete %s", k);
	}
	for (int i = 0; i < 100; i++) {
		sprintf(k, "new%d", i);
		put(k, "y");
	}
	cr_assert_eq(dict_size(&D), n - 2048 + 100);
	while (dict_rehash_steps(&D, 100))
		;
	for (int i = 0; i < 4096; i++) {
		sprintf(k, "k%d", i);
		cr_assert_eq(dict_find(&D, k, strlen(k)) != NULL, i % 2 == 1, "%s", k);
	}
	for (int i = 0; i < 100; i++) {
		sprintf(k, "new%d", i);
		cr_assert(has(k, "y"));
	}
}

Test(dict, shrinks_after_mass_delete_and_memory_returns_to_zero)
{
	char k[32];
	for (int i = 0; i < 20000; i++) {
		sprintf(k, "k%d", i);
		put(k, "some value");
	}
	size_t big = D.t[0].size;
	for (int i = 0; i < 20000; i++) {
		sprintf(k, "k%d", i);
		cr_assert_eq(dict_delete(&D, k, strlen(k)), 1);
	}
	while (dict_rehash_steps(&D, 1000))
		;
	cr_assert_eq(dict_size(&D), 0);
	cr_assert_lt(D.t[0].size, big);
	dict_clear(&D);
	cr_assert_eq(D.used_memory, 0);
}

Test(dict, lazy_expiry)
{
	struct dict_entry *e = put("t", "v");
	dict_set_expire(&D, e, 1000);
	cr_assert_eq(D.nexpires, 1);
	cr_assert_not_null(dict_get_live(&D, "t", 1, 999));
	cr_assert_null(dict_get_live(&D, "t", 1, 1000));
	cr_assert_eq(dict_size(&D), 0);
	cr_assert_eq(D.nexpires, 0);
	cr_assert_eq(D.expired, 1);
}

Test(dict, persist_clears_expire_count)
{
	struct dict_entry *e = put("t", "v");
	dict_set_expire(&D, e, 1000);
	dict_set_expire(&D, e, 0);
	cr_assert_eq(D.nexpires, 0);
	cr_assert_not_null(dict_get_live(&D, "t", 1, 5000));
}

Test(dict, active_expiry_scan_removes_only_expired)
{
	char k[32];
	for (int i = 0; i < 5000; i++) {
		sprintf(k, "k%d", i);
		struct dict_entry *e = put(k, "v");
		if (i % 3 == 0)
			dict_set_expire(&D, e, 100 + i % 2);
	}
	size_t removed = 0;
	for (int pass = 0; pass < 100000 && D.nexpires; pass++)
		removed += dict_expire_scan(&D, 200, 64);
	cr_assert_eq(removed, 1667);
	cr_assert_eq(dict_size(&D), 5000 - 1667);
	for (int i = 0; i < 5000; i++) {
		sprintf(k, "k%d", i);
		cr_assert_eq(dict_find(&D, k, strlen(k)) != NULL, i % 3 != 0);
	}
	cr_assert_eq(dict_expire_scan(&D, 200, 64), 0);
}

Test(dict, expiry_scan_during_rehash)
{
	char k[32];
	int j = 0;
	while (!dict_is_rehashing(&D) || j < 1000) {
		sprintf(k, "k%d", j);
		struct dict_entry *e = put(k, "v");
		dict_set_expire(&D, e, 10);
		j++;
		if (j > 100000)
			break;
	}
	size_t n = dict_size(&D);
	size_t removed = 0;
	for (int pass = 0; pass < 100000 && D.nexpires; pass++) {
		removed += dict_expire_scan(&D, 10, 8);
		dict_rehash_steps(&D, 1);
	}
	cr_assert_eq(removed, n);
	cr_assert_eq(dict_size(&D), 0);
}
