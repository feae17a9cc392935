/* virtio.h — virtio 1.x (modern) devices: the split virtqueue (§2.7) over
 * two transports, MMIO (§4.2; microvm) and PCI (§4.1; q35), behind one small
 * ops table. Only modern devices (MMIO version 2, PCI device id 0x1040+,
 * VIRTIO_F_VERSION_1) are driven; a legacy device is refused with one line.
 *
 * Call order for a driver: virtio_mmio_probe()/virtio_pci_probe() find
 * devices; for each, the
 * driver calls virtio_begin() (reset, ACKNOWLEDGE, DRIVER), negotiates with
 * virtio_features()/virtio_set_features(), sets up queues with virtq_init(),
 * then virtio_ready() (DRIVER_OK). Buffers go in with virtq_add() +
 * virtq_kick() and come back through virtq_used().
 *
 * Errors are negative errno. Queue memory is physically contiguous kernel
 * memory from the frame allocator; buffers are passed as physical addresses.
 */
#ifndef VIRTIO_H
#define VIRTIO_H
#include <stdint.h>
#include <stdbool.h>

#define VIRTIO_ID_NET 1
#define VIRTIO_F_VERSION_1 32

/* §2.7.5 the descriptor table, §2.7.6 the available ring, §2.7.8 the used ring */
struct virtq_desc { uint64_t addr; uint32_t len; uint16_t flags, next; };
#define VIRTQ_DESC_F_NEXT  1
#define VIRTQ_DESC_F_WRITE 2
struct virtq_avail { uint16_t flags, idx, ring[]; };
struct virtq_used_elem { uint32_t id, len; };
struct virtq_used { uint16_t flags, idx; struct virtq_used_elem ring[]; };
#define VIRTQ_USED_F_NO_NOTIFY 1

struct virtio_dev;

struct virtq {
	struct virtio_dev *dev;
	uint16_t index, num;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t free_head, num_free, last_used;
	uint64_t notifications;
};

struct virtio_ops {
	uint64_t (*features)(struct virtio_dev *d);
	void     (*set_driver_features)(struct virtio_dev *d, uint64_t f);
	uint8_t  (*status)(struct virtio_dev *d);
	void     (*set_status)(struct virtio_dev *d, uint8_t s);
	uint16_t (*queue_max)(struct virtio_dev *d, uint16_t index);  /* 0: no such queue */
	void     (*queue_setup)(struct virtio_dev *d, uint16_t index, uint16_t num,
				uint64_t desc, uint64_t avail, uint64_t used);
	void     (*notify)(struct virtio_dev *d, uint16_t index);
	uint32_t (*ack_irq)(struct virtio_dev *d);               /* interrupt context */
	uint8_t  (*config8)(struct virtio_dev *d, unsigned off);
	/* Deliver the device's interrupts on (vector): IOAPIC line or MSI-X. */
	int      (*route_irq)(struct virtio_dev *d, int vector);
};

struct virtio_dev {
	const struct virtio_ops *ops;
	uint32_t device_id;
	const char *transport;    /* "mmio" or "pci", for the boot line */
	int version;              /* 1: legacy interface (§4.2.4), 2: virtio 1.x */
	uint64_t phys;            /* MMIO window, or the PCI function's address */
	/* MMIO */
	volatile uint32_t *regs;
	int irq;                  /* GSI */
	/* PCI: the mapped capability windows (§4.1.4) */
	volatile uint8_t *common, *isr, *devcfg, *notify;
	uint32_t notify_mult;
	uint16_t bdf;
};

#define VIRTIO_MAX_DEVS 8
/* Find virtio-mmio devices: from QEMU's virtio_mmio.device=SIZE@ADDR:IRQ
 * command-line words, else by probing microvm's window (0xfeb00000 +
 * command-line words, else by probing microvm's window (0xfeb00000 +
 * 512 * slot; IRQ 24 + slot with microvm's second I/O APIC, else 5 + slot).
 * Returns the number found. */
int  virtio_mmio_probe(struct virtio_dev *devs, int max);
/* Find virtio PCI functions on bus 0 (configuration through ports 0xcf8/0xcfc,
 * as q35 and pc offer); interrupts through MSI-X. Returns the number found. */
int  virtio_pci_probe(struct virtio_dev *devs, int max);
int  virtio_begin(struct virtio_dev *d);
uint64_t virtio_features(struct virtio_dev *d);
int  virtio_set_features(struct virtio_dev *d, uint64_t f); /* -ENODEV if FEATURES_OK not kept */
void virtio_ready(struct virtio_dev *d);
void virtio_fail(struct virtio_dev *d);
uint32_t virtio_ack_irq(struct virtio_dev *d);          /* returns the interrupt cause */
uint8_t  virtio_config8(struct virtio_dev *d, unsigned off);
uint16_t virtio_config16(struct virtio_dev *d, unsigned off);
int      virtio_route_irq(struct virtio_dev *d, int vector);

int  virtq_init(struct virtq *q, struct virtio_dev *d, uint16_t index, uint16_t max_num);
/* One buffer of one descriptor; (token) is returned by virtq_used. -ENOSPC when full. */
int  virtq_add(struct virtq *q, uint64_t pa, uint32_t len, bool device_writes, uint16_t *id);
void virtq_kick(struct virtq *q);
/* Next used buffer: its descriptor id and written length; false when none. */
bool virtq_used(struct virtq *q, uint16_t *id, uint32_t *len);

#endif
