/* tcp_sack.c — the sender's SACK scoreboard (RFC 6675, simplified): the
 * ranges of our data above snd_una that the peer reports holding (RFC 2018
 * blocks). tcp_in.c feeds it every ACK; it tells which ACKs are duplicates
 * (they SACK new bytes), where the next hole to retransmit is, and lets a
 * go-back-N after a timeout skip what the peer already has. */
#include "net_impl.h"

static uint32_t sb_bytes(const struct tcp_pcb *pcb)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < pcb->nsb; i++)
		n += (uint32_t)seq_diff(pcb->sb[i].hi, pcb->sb[i].lo);
	return n;
}

/* Insert [lo, hi) keeping the ranges sorted and disjoint. */
static void sb_insert(struct tcp_pcb *pcb, tcp_seq_t lo, tcp_seq_t hi)
{
	unsigned i = 0;
	while (i < pcb->nsb && SEQ_LT(pcb->sb[i].hi, lo))
		i++;
	/* Merge every range that touches [lo, hi) into it. */
	unsigned j = i;
	while (j < pcb->nsb && SEQ_LEQ(pcb->sb[j].lo, hi)) {
		if (SEQ_LT(pcb->sb[j].lo, lo))
			lo = pcb->sb[j].lo;
		if (SEQ_GT(pcb->sb[j].hi, hi))
			hi = pcb->sb[j].hi;
		j++;
	}
	unsigned removed = j - i;
	if (removed == 0 && pcb->nsb == TCP_SACK_RANGES) {
		if (i == pcb->nsb)
			return;                  /* full: forget the highest news */
		pcb->nsb--;                  /* full: forget the highest range */
	}
	if (removed == 0) {
		for (unsigned k = pcb->nsb; k > i; k--)
			pcb->sb[k] = pcb->sb[k - 1];
		pcb->nsb++;
	} else {
		for (unsigned k = j; k < pcb->nsb; k++)
			pcb->sb[k - removed + 1] = pcb->sb[k];
		pcb->nsb -= removed - 1;
	}
	pcb->sb[i].lo = lo;
	pcb->sb[i].hi = hi;
}

uint32_t tcp_sack_update(struct tcp_pcb *pcb, const uint8_t *blocks, unsigned n)
{
	uint32_t before = sb_bytes(pcb);
	for (unsigned b = 0; b < n; b++) {
		tcp_seq_t lo = seq_make(rd32(blocks + 8 * b));
		tcp_seq_t hi = seq_make(rd32(blocks + 8 * b + 4));
		if (SEQ_LT(lo, pcb->snd_una))
			lo = pcb->snd_una;       /* partly acknowledged already */
		if (SEQ_GT(hi, pcb->snd_max))
			hi = pcb->snd_max;       /* never believe more than we sent */
		if (SEQ_LT(lo, hi))
			sb_insert(pcb, lo, hi);
	}
	return sb_bytes(pcb) - before;
}

void tcp_sack_trim(struct tcp_pcb *pcb)
{
	unsigned gone = 0;
	while (gone < pcb->nsb && SEQ_LEQ(pcb->sb[gone].hi, pcb->snd_una))
		gone++;
	for (unsigned k = gone; k < pcb->nsb; k++)
		pcb->sb[k - gone] = pcb->sb[k];
	pcb->nsb -= gone;
	if (pcb->nsb && SEQ_LT(pcb->sb[0].lo, pcb->snd_una))
		pcb->sb[0].lo = pcb->snd_una;
}

void tcp_sack_clear(struct tcp_pcb *pcb)
{
	pcb->nsb = 0;
}

tcp_seq_t tcp_sack_skip(const struct tcp_pcb *pcb, tcp_seq_t seq, uint32_t *room)
{
	*room = UINT32_MAX;
	for (unsigned i = 0; i < pcb->nsb; i++) {
		if (SEQ_GEQ(seq, pcb->sb[i].lo) && SEQ_LT(seq, pcb->sb[i].hi))
			seq = pcb->sb[i].hi;
		else if (SEQ_LT(seq, pcb->sb[i].lo)) {
			*room = (uint32_t)seq_diff(pcb->sb[i].lo, seq);
			break;
		}
	}
	return seq;
}

bool tcp_sack_next_hole(const struct tcp_pcb *pcb, tcp_seq_t from, tcp_seq_t *seq, uint32_t *len)
{
	if (pcb->nsb == 0)
		return false;
	if (SEQ_LT(from, pcb->snd_una))
		from = pcb->snd_una;
	uint32_t room;
	tcp_seq_t s = tcp_sack_skip(pcb, from, &room);
	if (SEQ_GEQ(s, pcb->sb[pcb->nsb - 1].hi))
		return false;                    /* nothing SACKed above: not a hole */
	*seq = s;
	*len = MIN(room, (uint32_t)pcb->mss);
	return true;
}
