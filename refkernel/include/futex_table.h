/* futex_table.h — the futex wait queues: a hash of FIFO queues keyed by the
 * futex's address (host-buildable, used by kernel/futex.c). A waiter is
 * queued with a 32-bit bitset (FUTEX_WAIT uses all ones); a wake of n with a
 * bitset dequeues the first n waiters on the key whose bitsets intersect,
 * oldest first, calling (woken) for each. Requeue moves waiters between keys
 * without waking them. No allocation: the caller owns each waiter. */
#ifndef FUTEX_TABLE_H
#define FUTEX_TABLE_H
#include <stdint.h>
#include "lib_queue.h"

#define FUTEX_BUCKETS 64

struct futex_waiter {
	struct qnode q;
	uint64_t key;
	uint32_t bitset;
};

struct futex_table {
	struct qnode bucket[FUTEX_BUCKETS];
};

void futex_table_init(struct futex_table *ft);
void futex_table_enqueue(struct futex_table *ft, struct futex_waiter *w, uint64_t key, uint32_t bitset);
/* Dequeue (w) if it is still queued (a timeout); returns 1 if it was. */
int  futex_table_cancel(struct futex_waiter *w);
/* Wake up to (n) waiters on (key) matching (bitset). Returns how many. */
int  futex_table_wake(struct futex_table *ft, uint64_t key, int n, uint32_t bitset,
		      void (*woken)(struct futex_waiter *w, void *ctx), void *ctx);
/* Wake up to (nwake) on (from), then move up to (nmove) more to (to).
 * Returns woken + moved. */
int  futex_table_requeue(struct futex_table *ft, uint64_t from, int nwake, uint64_t to, int nmove,
			 void (*woken)(struct futex_waiter *w, void *ctx), void *ctx);
/* Waiters queued on (key) (tests and counters). */
int  futex_table_count(const struct futex_table *ft, uint64_t key);

#endif
