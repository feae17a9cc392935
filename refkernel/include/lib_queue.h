/* lib_queue.h — an intrusive doubly-linked FIFO (host-buildable; the run
 * queue and the futex wait queues are made of it). A queue is a sentinel
 * node; an unqueued node has next == prev == NULL. All operations O(1). */
#ifndef LIB_QUEUE_H
#define LIB_QUEUE_H
#include <stddef.h>
#include <stdbool.h>

struct qnode { struct qnode *next, *prev; };

#define QUEUE_INIT(q) { &(q), &(q) }
#define QUEUE_ENTRY(node, type, member) ((type *)((char *)(node) - offsetof(type, member)))

static inline void q_init(struct qnode *q) { q->next = q->prev = q; }
static inline bool q_empty(const struct qnode *q) { return q->next == q; }
static inline bool q_queued(const struct qnode *n) { return n->next != NULL; }

static inline void q_push(struct qnode *q, struct qnode *n) /* at the tail */
{
	n->prev = q->prev;
	n->next = q;
	q->prev->next = n;
	q->prev = n;
}

static inline void q_remove(struct qnode *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = NULL;
}

static inline struct qnode *q_pop(struct qnode *q) /* from the head, NULL if empty */
{
	if (q_empty(q))
		return NULL;
	struct qnode *n = q->next;
	q_remove(n);
	return n;
}

#endif
