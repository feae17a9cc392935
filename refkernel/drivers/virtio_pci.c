/* virtio_pci.c — the virtio PCI transport, modern interface (virtio 1.2
 * §4.1): the device's vendor capabilities point into its BARs at the common
 * configuration, the notification area, the ISR and the device
 * configuration (§4.1.4). Interrupts are MSI-X (entry 0 for every queue), so
 * no INTx routing through ACPI is needed. */
#include "kernel.h"
#include "virtio.h"
#include "pci.h"
#include "x86.h"

#define VIRTIO_PCI_VENDOR 0x1af4
/* §4.1.4 cfg_type values */
#define CAP_COMMON 1
#define CAP_NOTIFY 2
#define CAP_ISR    3
#define CAP_DEVICE 4
/* §4.1.4.3 struct virtio_pci_common_cfg (byte offsets) */
#define C_DFSELECT 0x00
#define C_DF       0x04
#define C_GFSELECT 0x08
#define C_GF       0x0c
#define C_MSIX     0x10
#define C_STATUS   0x14
#define C_Q_SELECT 0x16
#define C_Q_SIZE   0x18
#define C_Q_MSIX   0x1a
#define C_Q_ENABLE 0x1c
#define C_Q_NOFF   0x1e
#define C_Q_DESC   0x20
#define C_Q_DRIVER 0x28
#define C_Q_DEVICE 0x30
#define NO_VECTOR  0xffff

static volatile uint32_t *c32(struct virtio_dev *d, unsigned off) { return (volatile uint32_t *)(d->common + off); }
static volatile uint16_t *c16(struct virtio_dev *d, unsigned off) { return (volatile uint16_t *)(d->common + off); }

static uint64_t pci_features(struct virtio_dev *d)
{
	*c32(d, C_DFSELECT) = 0;
	uint64_t lo = *c32(d, C_DF);
	*c32(d, C_DFSELECT) = 1;
	return lo | (uint64_t)*c32(d, C_DF) << 32;
}

static void pci_set_driver_features(struct virtio_dev *d, uint64_t f)
{
	*c32(d, C_GFSELECT) = 0;
	*c32(d, C_GF) = (uint32_t)f;
	*c32(d, C_GFSELECT) = 1;
	*c32(d, C_GF) = (uint32_t)(f >> 32);
}

static uint8_t pci_status(struct virtio_dev *d) { return d->common[C_STATUS]; }
static void pci_set_status(struct virtio_dev *d, uint8_t s) { d->common[C_STATUS] = s; }

static uint16_t pci_queue_max(struct virtio_dev *d, uint16_t index)
{
	*c16(d, C_Q_SELECT) = index;
	return *c16(d, C_Q_ENABLE) ? 0 : *c16(d, C_Q_SIZE);
}

static void pci_queue_setup(struct virtio_dev *d, uint16_t index, uint16_t num,
			    uint64_t desc, uint64_t avail, uint64_t used)
{
	*c16(d, C_Q_SELECT) = index;
	*c16(d, C_Q_SIZE) = num;
	*c32(d, C_Q_DESC) = (uint32_t)desc;
	*c32(d, C_Q_DESC + 4) = (uint32_t)(desc >> 32);
	*c32(d, C_Q_DRIVER) = (uint32_t)avail;
	*c32(d, C_Q_DRIVER + 4) = (uint32_t)(avail >> 32);
	*c32(d, C_Q_DEVICE) = (uint32_t)used;
	*c32(d, C_Q_DEVICE + 4) = (uint32_t)(used >> 32);
	*c16(d, C_Q_MSIX) = 0;          /* MSI-X entry 0 (routed by pci_route_irq) */
	*c16(d, C_Q_ENABLE) = 1;
}

/* §4.1.4.4: queue_notify_off * notify_off_multiplier into the notify area. */
static void pci_notify(struct virtio_dev *d, uint16_t index)
{
	*c16(d, C_Q_SELECT) = index;
	uint16_t off = *c16(d, C_Q_NOFF);
	*(volatile uint16_t *)(d->notify + (uint64_t)off * d->notify_mult) = index;
}

static uint32_t pci_ack_irq(struct virtio_dev *d)
{
	return d->isr ? *d->isr : 1; /* reading the ISR clears it (§4.1.4.5) */
}

static uint8_t pci_config8(struct virtio_dev *d, unsigned off) { return d->devcfg ? d->devcfg[off] : 0; }

static int pci_route_irq(struct virtio_dev *d, int vector)
{
	*c16(d, C_MSIX) = NO_VECTOR; /* no configuration-change interrupts */
	return pci_msix_route(d->bdf, 0, vector);
}

static const struct virtio_ops pci_ops = {
	pci_features, pci_set_driver_features, pci_status, pci_set_status, pci_queue_max,
	pci_queue_setup, pci_notify, pci_ack_irq, pci_config8, pci_route_irq,
};

/* Map the window a virtio capability at (cap) describes. */
static volatile uint8_t *map_cap(uint16_t bdf, uint8_t cap)
{
	uint8_t bar = pci_read8(bdf, (uint8_t)(cap + 4));
	uint32_t off = pci_read32(bdf, (uint8_t)(cap + 8)), len = pci_read32(bdf, (uint8_t)(cap + 12));
	uint64_t base = bar < 6 ? pci_bar(bdf, bar) : 0;
	return base && len ? mem_map_mmio(base + off, len) : NULL;
}

int virtio_pci_probe(struct virtio_dev *devs, int max)
{
	int n = 0;
	for (int dev = 0; dev < 32 && n < max; dev++) {
		uint16_t bdf = PCI_BDF(dev, 0);
		uint32_t id = pci_read32(bdf, 0);
		if ((id & 0xffff) != VIRTIO_PCI_VENDOR)
			continue;
		uint16_t did = (uint16_t)(id >> 16);
		uint32_t type = did >= 0x1040 ? did - 0x1040u : pci_read16(bdf, 0x2e); /* transitional: subsystem id */
		struct virtio_dev d = { .ops = &pci_ops, .device_id = type, .transport = "pci", .version = 2,
					.phys = bdf, .bdf = bdf };
		pci_enable(bdf);
		for (uint8_t cap = pci_find_cap(bdf, PCI_CAP_VENDOR, 0); cap; cap = pci_find_cap(bdf, PCI_CAP_VENDOR, cap)) {
			switch (pci_read8(bdf, (uint8_t)(cap + 3))) {
			case CAP_COMMON: if (!d.common) d.common = map_cap(bdf, cap); break;
			case CAP_ISR: if (!d.isr) d.isr = map_cap(bdf, cap); break;
			case CAP_DEVICE: if (!d.devcfg) d.devcfg = map_cap(bdf, cap); break;
			case CAP_NOTIFY:
				if (!d.notify) {
					d.notify = map_cap(bdf, cap);
					d.notify_mult = pci_read32(bdf, (uint8_t)(cap + 16));
				}
				break;
			}
		}
		if (!d.common || !d.notify) {
			kprintf("refkernel: virtio-pci device %02x.0 has no modern interface: not supported\n", dev);
			continue;
		}
		devs[n++] = d;
	}
	return n;
}
