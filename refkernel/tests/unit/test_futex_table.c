/* Unit tests: the futex wait queues (lib/futex_table.c) and the intrusive
 * queue under them (lib_queue.h). */
#include <criterion/criterion.h>
#include "futex_table.h"

static struct futex_table ft;
static int order[64], norder;

static void record(struct futex_waiter *w, void *ctx)
{
	struct futex_waiter *base = ctx;
	order[norder++] = (int)(w - base);
}

static void setup(void)
{
	futex_table_init(&ft);
	norder = 0;
}

TestSuite(futex, .init = setup);

Test(futex, queue_is_fifo_and_remove_works)
{
	struct qnode q = QUEUE_INIT(q), a = { 0 }, b = { 0 }, c = { 0 };
	cr_assert(q_empty(&q));
	q_push(&q, &a); q_push(&q, &b); q_push(&q, &c);
	q_remove(&b);
	cr_assert(!q_queued(&b));
	cr_assert_eq(q_pop(&q), &a);
	cr_assert_eq(q_pop(&q), &c);
	cr_assert_null(q_pop(&q));
}

Test(futex, wake_is_oldest_first_and_bounded)
{
	struct futex_waiter w[5];
	for (int i = 0; i < 5; i++)
		futex_table_enqueue(&ft, &w[i], 0x1000, ~0u);
	cr_assert_eq(futex_table_wake(&ft, 0x1000, 2, ~0u, record, w), 2);
	cr_assert_eq(norder, 2);
	cr_assert_eq(order[0], 0);
	cr_assert_eq(order[1], 1);
	cr_assert_eq(futex_table_count(&ft, 0x1000), 3);
	cr_assert_eq(futex_table_wake(&ft, 0x1000, 100, ~0u, record, w), 3);
	cr_assert_eq(futex_table_count(&ft, 0x1000), 0);
}

Test(futex, keys_sharing_a_bucket_stay_apart)
{
	struct futex_waiter w[2 * FUTEX_BUCKETS];
	/* 2*BUCKETS keys cannot all have buckets of their own */
	for (int i = 0; i < 2 * FUTEX_BUCKETS; i++)
		futex_table_enqueue(&ft, &w[i], 0x1000 + 4 * (uint64_t)i, ~0u);
	for (int i = 0; i < 2 * FUTEX_BUCKETS; i++) {
		cr_assert_eq(futex_table_count(&ft, 0x1000 + 4 * (uint64_t)i), 1);
		cr_assert_eq(futex_table_wake(&ft, 0x1000 + 4 * (uint64_t)i, 10, ~0u, NULL, NULL), 1);
	}
}

Test(futex, bitset_selects_waiters)
{
	struct futex_waiter w[3];
	futex_table_enqueue(&ft, &w[0], 8, 1);
	futex_table_enqueue(&ft, &w[1], 8, 2);
	futex_table_enqueue(&ft, &w[2], 8, 3);
	cr_assert_eq(futex_table_wake(&ft, 8, 10, 2, record, w), 2);
	cr_assert_eq(order[0], 1);
	cr_assert_eq(order[1], 2);
	cr_assert_eq(futex_table_count(&ft, 8), 1);
}

Test(futex, cancel_after_timeout)
{
	struct futex_waiter w[2];
	futex_table_enqueue(&ft, &w[0], 16, ~0u);
	futex_table_enqueue(&ft, &w[1], 16, ~0u);
	cr_assert_eq(futex_table_cancel(&w[0]), 1);
	cr_assert_eq(futex_table_cancel(&w[0]), 0);
	cr_assert_eq(futex_table_wake(&ft, 16, 10, ~0u, record, w), 1);
	cr_assert_eq(order[0], 1);
}

Test(futex, requeue_wakes_then_moves)
{
	struct futex_waiter w[6];
	for (int i = 0; i < 6; i++)
		futex_table_enqueue(&ft, &w[i], 100, ~0u);
	cr_assert_eq(futex_table_requeue(&ft, 100, 1, 200, 3, record, w), 4);
	cr_assert_eq(norder, 1);
	cr_assert_eq(futex_table_count(&ft, 100), 2);
	cr_assert_eq(futex_table_count(&ft, 200), 3);
	/* the moved ones keep their order on the new key */
	cr_assert_eq(futex_table_wake(&ft, 200, 10, ~0u, record, w), 3);
	cr_assert_eq(order[1], 1);
	cr_assert_eq(order[2], 2);
	cr_assert_eq(order[3], 3);
}
