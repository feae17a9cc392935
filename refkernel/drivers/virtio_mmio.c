/* virtio_mmio.c — the virtio MMIO transport (virtio 1.2 §4.2), as QEMU's
 * microvm machine offers it: found from QEMU's virtio_mmio.device= command-
 * line words, or by probing microvm's window of 24 slots. Both register
 * layouts are driven: version 2 (§4.2.2) and the legacy version 1 (§4.2.4),
 * which QEMU 7.2 offers unless -global virtio-mmio.force-legacy=false. Interrupts are an
 * I/O APIC line (GSI given on the command line, or 24 + slot on microvm's
 * second I/O APIC, or 5 + slot without it). */
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
/* §4.2.4 legacy (version 1) registers */
#define VMMIO_GUEST_PAGE_SIZE 0x028
#define VMMIO_QUEUE_ALIGN  0x03c
#define VMMIO_QUEUE_PFN    0x040
#define VMMIO_MAGIC_VALUE  0x74726976 /* "virt" */

static uint32_t rd(struct virtio_dev *d, unsigned off) { return d->regs[off / 4]; }
static void wr(struct virtio_dev *d, unsigned off, uint32_t v) { d->regs[off / 4] = v; }

static uint64_t mmio_features(struct virtio_dev *d)
{
	wr(d, VMMIO_DEV_FEAT_SEL, 0);
	uint64_t lo = rd(d, VMMIO_DEV_FEAT);
	wr(d, VMMIO_DEV_FEAT_SEL, 1);
	return lo | (uint64_t)rd(d, VMMIO_DEV_FEAT) << 32;
}

static void mmio_set_driver_features(struct virtio_dev *d, uint64_t f)
{
	wr(d, VMMIO_DRV_FEAT_SEL, 0);
	wr(d, VMMIO_DRV_FEAT, (uint32_t)f);
	wr(d, VMMIO_DRV_FEAT_SEL, 1);
	wr(d, VMMIO_DRV_FEAT, (uint32_t)(f >> 32));
}

static uint8_t mmio_status(struct virtio_dev *d) { return (uint8_t)rd(d, VMMIO_STATUS); }
static void mmio_set_status(struct virtio_dev *d, uint8_t s) { wr(d, VMMIO_STATUS, s); }

static uint16_t mmio_queue_max(struct virtio_dev *d, uint16_t index)
{
	wr(d, VMMIO_QUEUE_SEL, index);
	return rd(d, VMMIO_QUEUE_READY) ? 0 : (uint16_t)MIN(rd(d, VMMIO_QUEUE_NUM_MAX), 0xffff);
}

static void mmio_queue_setup(struct virtio_dev *d, uint16_t index, uint16_t num,
			     uint64_t desc, uint64_t avail, uint64_t used)
{
	wr(d, VMMIO_QUEUE_SEL, index);
	wr(d, VMMIO_QUEUE_NUM, num);
	wr(d, VMMIO_QUEUE_DESC, (uint32_t)desc);
	wr(d, VMMIO_QUEUE_DESC + 4, (uint32_t)(desc >> 32));
	wr(d, VMMIO_QUEUE_DRIVER, (uint32_t)avail);
	wr(d, VMMIO_QUEUE_DRIVER + 4, (uint32_t)(avail >> 32));
	wr(d, VMMIO_QUEUE_DEVICE, (uint32_t)used);
	wr(d, VMMIO_QUEUE_DEVICE + 4, (uint32_t)(used >> 32));
	wr(d, VMMIO_QUEUE_READY, 1);
}

static void mmio_notify(struct virtio_dev *d, uint16_t index) { wr(d, VMMIO_QUEUE_NOTIFY, index); }

/* Interrupt context: read and acknowledge the cause (§4.2.3.4). */
static uint32_t mmio_ack_irq(struct virtio_dev *d)
{
	uint32_t st = rd(d, VMMIO_INT_STATUS);
	wr(d, VMMIO_INT_ACK, st);
	return st;
}

static uint8_t mmio_config8(struct virtio_dev *d, unsigned off)
{
	return ((volatile uint8_t *)d->regs)[VMMIO_CONFIG + off];
}

static int mmio_route_irq(struct virtio_dev *d, int vector)
{
	apic_route_irq(d->irq, vector);
	return 0;
}

static const struct virtio_ops mmio_ops = {
	mmio_features, mmio_set_driver_features, mmio_status, mmio_set_status, mmio_queue_max,
	mmio_queue_setup, mmio_notify, mmio_ack_irq, mmio_config8, mmio_route_irq,
};

/* §4.2.4: legacy features are 32 bits (selector 0 only); a queue is one
 * physically contiguous block given by its page frame number, with the used
 * ring at QueueAlign — virtq_init's layout, checked here. */
static uint64_t legacy_features(struct virtio_dev *d)
{
	wr(d, VMMIO_DEV_FEAT_SEL, 0);
	return rd(d, VMMIO_DEV_FEAT);
}

static void legacy_set_driver_features(struct virtio_dev *d, uint64_t f)
{
	wr(d, VMMIO_DRV_FEAT_SEL, 0);
	wr(d, VMMIO_DRV_FEAT, (uint32_t)f);
}

static uint16_t legacy_queue_max(struct virtio_dev *d, uint16_t index)
{
	wr(d, VMMIO_QUEUE_SEL, index);
	return rd(d, VMMIO_QUEUE_PFN) ? 0 : (uint16_t)MIN(rd(d, VMMIO_QUEUE_NUM_MAX), 0xffff);
}

static void legacy_queue_setup(struct virtio_dev *d, uint16_t index, uint16_t num,
			       uint64_t desc, uint64_t avail, uint64_t used)
{
	if (desc % 4096 || avail != desc + 16ULL * num ||
	    used != ALIGN_UP(avail + 6 + 2ULL * num, 4096) || desc / 4096 > 0xffffffffULL)
		kpanic(KEXIT_PANIC, "virtio-mmio legacy: queue %u not in the legacy layout", index);
	wr(d, VMMIO_QUEUE_SEL, index);
	wr(d, VMMIO_QUEUE_NUM, num);
	wr(d, VMMIO_QUEUE_ALIGN, 4096);
	wr(d, VMMIO_QUEUE_PFN, (uint32_t)(desc / 4096));
}

static const struct virtio_ops legacy_ops = {
	legacy_features, legacy_set_driver_features, mmio_status, mmio_set_status, legacy_queue_max,
	legacy_queue_setup, mmio_notify, mmio_ack_irq, mmio_config8, mmio_route_irq,
};

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
	uint32_t version = regs[VMMIO_VERSION / 4];
	if (version != 1 && version != 2) {
		kprintf("refkernel: virtio-mmio at %#lx: unknown version %u, ignored\n", (unsigned long)pa, version);
		return n;
	}
	if (version == 1)
		regs[VMMIO_GUEST_PAGE_SIZE / 4] = 4096; /* §4.2.4: before any queue is set up */
	devs[n] = (struct virtio_dev){ .ops = version == 1 ? &legacy_ops : &mmio_ops,
				       .device_id = regs[VMMIO_DEVICE_ID / 4], .transport = "mmio",
				       .version = (int)version, .phys = pa, .regs = regs, .irq = irq };
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
		int c = *p | 32;
		int dig = (*p >= '0' && *p <= '9') ? *p - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
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
	if (n == 0 && apic_init() == 0) {
		int irq_base = apic_has_ioapic2() ? 24 : 5;
		for (int slot = 0; slot < 24 && n < max; slot++)
			n = add_dev(devs, n, max, 0xfeb00000ULL + 512 * (uint64_t)slot, irq_base + slot);
	}
	return n;
}
