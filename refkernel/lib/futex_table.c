/* futex_table.c — hashed FIFO wait queues for futexes (see futex_table.h). */
#include "futex_table.h"

static struct qnode *bucket_of(struct futex_table *ft, uint64_t key)
{
	uint64_t h = (key >> 2) * 0x9e3779b97f4a7c15ULL; /* futexes are 4-byte aligned */
	return &ft->bucket[h >> 58];                    /* top 6 bits: 64 buckets */
}

void futex_table_init(struct futex_table *ft)
{
	for (int i = 0; i < FUTEX_BUCKETS; i++)
		q_init(&ft->bucket[i]);
}

void futex_table_enqueue(struct futex_table *ft, struct futex_waiter *w, uint64_t key, uint32_t bitset)
{
	w->key = key;
	w->bitset = bitset;
	q_push(bucket_of(ft, key), &w->q);
}

int futex_table_cancel(struct futex_waiter *w)
{
	if (!q_queued(&w->q))
		return 0;
	q_remove(&w->q);
	return 1;
}

int futex_table_wake(struct futex_table *ft, uint64_t key, int n, uint32_t bitset,
		     void (*woken)(struct futex_waiter *w, void *ctx), void *ctx)
{
	struct qnode *b = bucket_of(ft, key), *next;
	int done = 0;
	for (struct qnode *p = b->next; p != b && done < n; p = next) {
		next = p->next;
		struct futex_waiter *w = QUEUE_ENTRY(p, struct futex_waiter, q);
		if (w->key != key || !(w->bitset & bitset))
			continue;
		q_remove(p);
		done++;
		if (woken)
			woken(w, ctx);
	}
	return done;
}

int futex_table_requeue(struct futex_table *ft, uint64_t from, int nwake, uint64_t to, int nmove,
			void (*woken)(struct futex_waiter *w, void *ctx), void *ctx)
{
	int done = futex_table_wake(ft, from, nwake, ~0u, woken, ctx), moved = 0;
	struct qnode *b = bucket_of(ft, from), *next;
	for (struct qnode *p = b->next; p != b && moved < nmove; p = next) {
		next = p->next;
		struct futex_waiter *w = QUEUE_ENTRY(p, struct futex_waiter, q);
		if (w->key != from)
			continue;
		q_remove(p);
		futex_table_enqueue(ft, w, to, w->bitset);
		moved++;
	}
	return done + moved;
}

int futex_table_count(const struct futex_table *ft, uint64_t key)
{
	int n = 0;
	const struct qnode *b = bucket_of((struct futex_table *)ft, key);
	for (const struct qnode *p = b->next; p != b; p = p->next)
		n += QUEUE_ENTRY(p, const struct futex_waiter, q)->key == key;
	return n;
}
