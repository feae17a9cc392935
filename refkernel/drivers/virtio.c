/* virtio.c — the transport-neutral half of virtio 1.2: device initialisation
 * (§3.1.1) and split virtqueues (§2.7). Transports (virtio_mmio.c,
 * virtio_pci.c) supply struct virtio_ops. Runs in syscall context only
 * (interrupt handlers just acknowledge, see irq.c), so no locking. x86 is
 * TSO: a compiler barrier orders our ring writes before the index update; a
 * full fence precedes reading the device's notification flag (§2.7.13). */
#include "kernel.h"
#include "virtio.h"
#include "x86.h"

/* §2.1 device status bits */
#define ST_ACKNOWLEDGE 1
#define ST_DRIVER      2
#define ST_DRIVER_OK   4
#define ST_FEATURES_OK 8
#define ST_FAILED      128

#define barrier() __asm__ volatile("" ::: "memory")

int virtio_begin(struct virtio_dev *d)
{
	d->ops->set_status(d, 0); /* reset (§3.1.1 step 1) */
	for (int spin = 0; d->ops->status(d) != 0; spin++)
		if (spin > 1000000)
			return -EIO;
	d->ops->set_status(d, ST_ACKNOWLEDGE);
	d->ops->set_status(d, ST_ACKNOWLEDGE | ST_DRIVER);
	return 0;
}

uint64_t virtio_features(struct virtio_dev *d)
{
	return d->ops->features(d);
}

int virtio_set_features(struct virtio_dev *d, uint64_t f)
{
	d->ops->set_driver_features(d, f);
	if (d->version == 1)
		return 0; /* a legacy device has no FEATURES_OK (§3.1.2) */
	d->ops->set_status(d, d->ops->status(d) | ST_FEATURES_OK);
	return (d->ops->status(d) & ST_FEATURES_OK) ? 0 : -ENODEV; /* §3.1.1 step 6 */
}

void virtio_ready(struct virtio_dev *d)
{
	d->ops->set_status(d, d->ops->status(d) | ST_DRIVER_OK);
}

void virtio_fail(struct virtio_dev *d)
{
	d->ops->set_status(d, d->ops->status(d) | ST_FAILED);
}

uint32_t virtio_ack_irq(struct virtio_dev *d) { return d->ops->ack_irq(d); }
uint8_t virtio_config8(struct virtio_dev *d, unsigned off) { return d->ops->config8(d, off); }
int virtio_route_irq(struct virtio_dev *d, int vector) { return d->ops->route_irq(d, vector); }

uint16_t virtio_config16(struct virtio_dev *d, unsigned off)
{
	return (uint16_t)(d->ops->config8(d, off) | d->ops->config8(d, off + 1) << 8);
}

int virtq_init(struct virtq *q, struct virtio_dev *d, uint16_t index, uint16_t max_num)
{
	uint32_t num = MIN(d->ops->queue_max(d, index), max_num);
	if (num == 0)
		return -ENODEV;
	/* one contiguous block: descriptors, then the available ring, then the
	 * used ring at 4 KiB — also the legacy layout (§2.7 legacy note) */
	uint64_t desc_bytes = 16ULL * num, avail_bytes = 6 + 2ULL * num;
	uint64_t used_off = ALIGN_UP(desc_bytes + avail_bytes, 4096);
	uint64_t total = used_off + ALIGN_UP(6 + 8ULL * num, 4096);
	uint64_t pa = mem_frames_alloc(total / 4096);
	if (!pa)
		return -ENOMEM;
	uint8_t *base = x86_phys(pa);
	*q = (struct virtq){ .dev = d, .index = index, .num = (uint16_t)num,
		.desc = (void *)base, .avail = (void *)(base + desc_bytes),
		.used = (void *)(base + used_off), .num_free = (uint16_t)num };
	for (uint16_t i = 0; i < num; i++)
		q->desc[i].next = (uint16_t)(i + 1);
	d->ops->queue_setup(d, index, (uint16_t)num, pa, pa + desc_bytes, pa + used_off);
	return 0;
}

int virtq_add(struct virtq *q, uint64_t pa, uint32_t len, bool device_writes, uint16_t *id)
{
	if (!q->num_free)
		return -ENOSPC;
	uint16_t i = q->free_head;
	q->free_head = q->desc[i].next;
	q->num_free--;
	q->desc[i] = (struct virtq_desc){ pa, len, device_writes ? VIRTQ_DESC_F_WRITE : 0, 0 };
	q->avail->ring[q->avail->idx % q->num] = i; /* §2.7.13.2 */
	barrier();
	q->avail->idx++;
	if (id)
		*id = i;
	return 0;
}

void virtq_kick(struct virtq *q)
{
	__asm__ volatile("mfence" ::: "memory");
	if (!(q->used->flags & VIRTQ_USED_F_NO_NOTIFY)) { /* §2.7.10 */
		q->dev->ops->notify(q->dev, q->index);
		q->notifications++;
	}
}

bool virtq_used(struct virtq *q, uint16_t *id, uint32_t *len)
{
	if (q->last_used == *(volatile uint16_t *)&q->used->idx)
		return false;
	barrier();
	struct virtq_used_elem *e = &q->used->ring[q->last_used % q->num];
	*id = (uint16_t)e->id;
	*len = e->len;
	q->last_used++;
	q->desc[*id].next = q->free_head; /* one descriptor per buffer: free it */
	q->free_head = *id;
	q->num_free++;
	return true;
}
