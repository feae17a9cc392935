/* virtio.c — virtio 1.2 split virtqueues over the MMIO transport. Runs in
 * syscall context only (interrupt handlers just acknowledge, see irq.c), so
 * no locking. x86 is TSO: a compiler barrier orders our ring writes before
 * the index update; a full fence precedes reading the device's
 * notification-suppression flag (§2.7.13). */
#include "kernel.h"
#include "virtio.h"
#include "cmdline.h"
#include "x86.h"

/* §4.2.2 MMIO device register layout (byte offsets) */
#define VMMIO_MAGIC        0x000
#define VMMIO_VERSION      0x004
#define VMMIO_DEVICE_ID    0x008
#define VMMIO_DEV_FEAT     0x010
#define VMMIO_DEV_FEAT_SEL 0x014
#define VMMIO_DRV_FEAT     0x020
#define VMMIO_DRV_FEAT_SEL 0x024
#define VMMIO_QUEUE_SEL    0x030
#define VMMIO_QUEUE_NUM_MAX 0x034
#define VMMIO_QUEUE_NUM    0x038
#define VMMIO_QUEUE_READY  0x044
#define VMMIO_QUEUE_NOTIFY 0x050
#define VMMIO_INT_STATUS   0x060
#define VMMIO_INT_ACK      0x064
#define VMMIO_STATUS       0x070
#define VMMIO_QUEUE_DESC   0x080
#define VMMIO_QUEUE_DRIVER 0x090
#define VMMIO_QUEUE_DEVICE 0x0a0
#define VMMIO_CONFIG       0x100
#define VMMIO_MAGIC_VALUE  0x74726976 /* "virt" */

/* §2.1 device status bits */
#define ST_ACKNOWLEDGE 1
#define ST_DRIVER      2
#define ST_DRIVER_OK   4
#define ST_FEATURES_OK 8
#define ST_FAILED      128

#define barrier() __asm__ volatile("" ::: "memory")

static uint32_t rd(struct virtio_dev *d, unsigned off) { return d->regs[off / 4]; }
static void wr(struct virtio_dev *d, unsigned off, uint32_t v) { d->regs[off / 4] = v; }

static int add_dev(struct virtio_dev *devs, int n, int max, uint64_t pa, int irq)
{
	if (n >= max)
		return n;
	for (int i = 0; i < n; i++)
		if (devs[i].phys == pa)
			return n;
	volatile uint32_t *regs = mem_map_mmio(pa, 0x200);
	if (!regs || regs[0] != VMMIO_MAGIC_VALUE || regs[VMMIO_DEVICE_ID / 4] == 0)
		return n; /* no transport, or a transport with no device behind it */
	devs[n] = (struct virtio_dev){ regs, regs[VMMIO_DEVICE_ID / 4], irq, pa };
	if (regs[VMMIO_VERSION / 4] != 2) {
		kprintf("refkernel: virtio-mmio at %#lx is legacy (version %u): not supported, "
			"use -global virtio-mmio.force-legacy=false\n", (unsigned long)pa, regs[VMMIO_VERSION / 4]);
		return n;
	}
	return n + 1;
}

/* "512@0xfeb00e00:12" */
static bool parse_mmio_word(const char *s, uint64_t *pa, int *irq)
{
	const char *at = strchr(s, '@'), *colon = at ? strchr(at, ':') : NULL;
	if (!at || !colon)
		return false;
	uint64_t v = 0;
	const char *p = at + 1;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (; p < colon; p++) {
		int dig = (*p >= '0' && *p <= '9') ? *p - '0' : (*p | 32) >= 'a' && (*p | 32) <= 'f' ? (*p | 32) - 'a' + 10 : -1;
		if (dig < 0)
			return false;
		v = v * 16 + (uint64_t)dig;
	}
	int n = 0;
	for (p = colon + 1; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (*p - '0');
	*pa = v;
	*irq = n;
	return true;
}

extern struct cmdline *kernel_cmdline;

int virtio_mmio_probe(struct virtio_dev *devs, int max)
{
	int n = 0;
	for (int i = 0; kernel_cmdline && i < kernel_cmdline->nparams; i++) {
		uint64_t pa;
		int irq;
		if (strcmp(kernel_cmdline->params[i].key, "virtio_mmio.device") == 0 &&
		    parse_mmio_word(kernel_cmdline->params[i].value, &pa, &irq))
			n = add_dev(devs, n, max, pa, irq);
	}
	/* microvm with ACPI: the devices are only in the DSDT, so probe the
	 * window; their interrupts are then on the second I/O APIC (GSI 24 +
	 * slot), without it on the first (GSI 5 + slot). */
	int irq_base = apic_has_ioapic2() ? 24 : 5;
	if (n == 0)
		for (int slot = 0; slot < 24 && n < max; slot++)
			n = add_dev(devs, n, max, 0xfeb00000ULL + 512 * (uint64_t)slot, irq_base + slot);
	return n;
}

int virtio_begin(struct virtio_dev *d)
{
	wr(d, VMMIO_STATUS, 0); /* reset (§3.1.1 step 1) */
	while (rd(d, VMMIO_STATUS) != 0)
		cpu_relax();
	wr(d, VMMIO_STATUS, ST_ACKNOWLEDGE);
	wr(d, VMMIO_STATUS, ST_ACKNOWLEDGE | ST_DRIVER);
	return 0;
}

uint64_t virtio_features(struct virtio_dev *d)
{
	wr(d, VMMIO_DEV_FEAT_SEL, 0);
	uint64_t lo = rd(d, VMMIO_DEV_FEAT);
	wr(d, VMMIO_DEV_FEAT_SEL, 1);
	return lo | (uint64_t)rd(d, VMMIO_DEV_FEAT) << 32;
}

int virtio_set_features(struct virtio_dev *d, uint64_t f)
{
	wr(d, VMMIO_DRV_FEAT_SEL, 0);
	wr(d, VMMIO_DRV_FEAT, (uint32_t)f);
	wr(d, VMMIO_DRV_FEAT_SEL, 1);
	wr(d, VMMIO_DRV_FEAT, (uint32_t)(f >> 32));
	wr(d, VMMIO_STATUS, rd(d, VMMIO_STATUS) | ST_FEATURES_OK);
	return (rd(d, VMMIO_STATUS) & ST_FEATURES_OK) ? 0 : -ENODEV; /* §3.1.1 step 6 */
}

void virtio_ready(struct virtio_dev *d)
{
	wr(d, VMMIO_STATUS, rd(d, VMMIO_STATUS) | ST_DRIVER_OK);
}

void virtio_fail(struct virtio_dev *d)
{
	wr(d, VMMIO_STATUS, rd(d, VMMIO_STATUS) | ST_FAILED);
}

/* Interrupt context: read and acknowledge the cause (§4.2.3.4). */
uint32_t virtio_ack_irq(struct virtio_dev *d)
{
	uint32_t st = rd(d, VMMIO_INT_STATUS);
	wr(d, VMMIO_INT_ACK, st);
	return st;
}

uint8_t virtio_config8(struct virtio_dev *d, unsigned off)
{
	return ((volatile uint8_t *)d->regs)[VMMIO_CONFIG + off];
}

uint16_t virtio_config16(struct virtio_dev *d, unsigned off)
{
	return ((volatile uint16_t *)d->regs)[(VMMIO_CONFIG + off) / 2];
}

int virtq_init(struct virtq *q, struct virtio_dev *d, uint16_t index, uint16_t max_num)
{
	wr(d, VMMIO_QUEUE_SEL, index);
	uint32_t num = MIN(rd(d, VMMIO_QUEUE_NUM_MAX), max_num);
	if (num == 0 || rd(d, VMMIO_QUEUE_READY))
		return -ENODEV;
	/* one contiguous block: descriptors, then the available ring, then the used ring at 4 KiB */
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
	wr(d, VMMIO_QUEUE_NUM, num);
	wr(d, VMMIO_QUEUE_DESC, (uint32_t)pa);
	wr(d, VMMIO_QUEUE_DESC + 4, (uint32_t)(pa >> 32));
	wr(d, VMMIO_QUEUE_DRIVER, (uint32_t)(pa + desc_bytes));
	wr(d, VMMIO_QUEUE_DRIVER + 4, (uint32_t)((pa + desc_bytes) >> 32));
	wr(d, VMMIO_QUEUE_DEVICE, (uint32_t)(pa + used_off));
	wr(d, VMMIO_QUEUE_DEVICE + 4, (uint32_t)((pa + used_off) >> 32));
	wr(d, VMMIO_QUEUE_READY, 1);
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
		wr(q->dev, VMMIO_QUEUE_NOTIFY, q->index);
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
