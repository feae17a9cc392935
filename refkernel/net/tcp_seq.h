/* tcp_seq.h — TCP sequence numbers as a type of their own (RFC 9293 §3.4):
 * arithmetic is modulo 2^32, so comparisons go through SEQ_LT & co. and a bare
 * `<` between two sequence numbers does not compile. */
#ifndef TCP_SEQ_H
#define TCP_SEQ_H
#include <stdint.h>

typedef struct { uint32_t v; } tcp_seq_t;

static inline tcp_seq_t seq_make(uint32_t v) { return (tcp_seq_t){ v }; }
static inline tcp_seq_t seq_add(tcp_seq_t a, uint32_t n) { return (tcp_seq_t){ a.v + n }; }
/* Distance from (b) to (a), as a signed number: > 0 when (a) is after (b). */
static inline int32_t seq_diff(tcp_seq_t a, tcp_seq_t b) { return (int32_t)(a.v - b.v); }

#define SEQ_LT(a, b) (seq_diff((a), (b)) < 0)
#define SEQ_LEQ(a, b) (seq_diff((a), (b)) <= 0)
#define SEQ_GT(a, b) (seq_diff((a), (b)) > 0)
#define SEQ_GEQ(a, b) (seq_diff((a), (b)) >= 0)
#define SEQ_EQ(a, b) ((a).v == (b).v)
#define SEQ_MAX(a, b) (SEQ_GT((a), (b)) ? (a) : (b))
/* lo <= x < hi */
#define SEQ_IN(x, lo, hi) (SEQ_GEQ((x), (lo)) && SEQ_LT((x), (hi)))

#endif
