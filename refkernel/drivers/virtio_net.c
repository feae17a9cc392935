/* virtio_net.c — virtio-net (virtio 1.2 §5.1) as a struct netdev for the
 * stack. Queue 0 receives, queue 1 transmits; each descriptor id owns one
 * 2 KiB buffer, so the driver always knows where a frame is.
 * Copies: TX copies each frame once (stack buffer -> ring buffer, behind the
 * 12-byte virtio_net_hdr); RX hands the ring buffer to net_input(), which
 * copies what it keeps. Checksum offload (§5.1.6.2) is negotiated when the
 * device offers it: TCP/UDP checksums go out partial with NEEDS_CSUM, and
 * frames marked DATA_VALID or NEEDS_CSUM skip the stack's own check; without
 * it the stack computes and verifies every checksum itself.
 * Interrupts only acknowledge (irq.c) and tell dev->rx_notify (net=thread
 * wakes its thread there); frames are taken in vnet_poll().
 * A legacy device (virtio-mmio version 1) works alike, with the 10-byte
 * header of a device without VIRTIO_F_VERSION_1 and MRG_RXBUF (§5.1.6.1). */
#include "kernel.h"
#include "virtio.h"
#include "netdev.h"
#include "net.h"
#include "x86.h"

#define VIRTIO_NET_F_CSUM       0 /* device completes checksums we leave partial */
#define VIRTIO_NET_F_GUEST_CSUM 1 /* device may hand us partial or validated checksums */
#define VIRTIO_NET_F_MAC    5
#define VIRTIO_F_ANY_LAYOUT 27
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_S_LINK_UP 1
#define VNET_HDR_LEN 12       /* struct virtio_net_hdr with num_buffers (§5.1.6) */
#define VNET_HDR_LEN_LEGACY 10 /* without num_buffers (legacy, no MRG_RXBUF) */
#define HDR_F_NEEDS_CSUM 1
#define HDR_F_DATA_VALID 2
#define VNET_BUF 2048
#define VNET_QSIZE 128

struct vnet {
	struct virtio_dev *vdev;
	struct netdev *dev;
	struct virtq rxq, txq;
	uint64_t rx_pa, tx_pa;    /* NQ buffers each, VNET_BUF apart */
	uint8_t *rx_va, *tx_va;
	bool has_status, tx_csum, rx_csum;
	unsigned hdr_len;         /* VNET_HDR_LEN, or VNET_HDR_LEN_LEGACY */
	uint64_t rx_frames, tx_frames, tx_full, rx_bad, irqs;
	unsigned tx_unkicked;
};

static struct vnet vnet;

static void reclaim_tx(struct vnet *v)
{
	uint16_t id;
	uint32_t len;
	while (virtq_used(&v->txq, &id, &len))
		;
}

/* Hot path, called by the stack: copy the frame behind a zeroed header. */
static int vnet_tx(struct netdev *dev, const void *frame, size_t len)
{
	struct vnet *v = dev->priv;
	if (len + v->hdr_len > VNET_BUF)
		return -EMSGSIZE;
	if (v->txq.num_free == 0)
		reclaim_tx(v);
	if (v->txq.num_free == 0) {
		v->tx_full++;
		return -ENOBUFS;
	}
	uint16_t id = v->txq.free_head; /* virtq_add takes exactly this descriptor */
	uint8_t *buf = v->tx_va + (uint64_t)id * VNET_BUF;
	memset(buf, 0, v->hdr_len);
	memcpy(buf + v->hdr_len, frame, len);
	const uint8_t *f = frame;
	if (v->tx_csum && len >= 34 && f[12] == 0x08 && f[13] == 0x00 && (f[23] == 6 || f[23] == 17) &&
	    !(f[20] & 0x3f) && !f[21]) { /* IPv4 TCP/UDP, not a fragment: the device finishes it */
		uint16_t start = (uint16_t)(14 + 4 * (f[14] & 0xf)), off = f[23] == 6 ? 16 : 6;
		buf[0] = HDR_F_NEEDS_CSUM;
		memcpy(buf + 6, &start, 2);   /* csum_start */
		memcpy(buf + 8, &off, 2);     /* csum_offset */
	}
	virtq_add(&v->txq, v->tx_pa + (uint64_t)id * VNET_BUF, (uint32_t)(len + v->hdr_len), false, NULL);
	v->tx_frames++;
	if (++v->tx_unkicked >= 32) /* else vnet_flush(), once per burst */
		vnet_flush();
	return 0;
}

/* Notify the device of frames queued since the last notification: one VM
 * exit per burst instead of one per frame. Called before the kernel returns
 * to the application, halts or switches threads. */
void vnet_flush(void)
{
	if (!vnet.tx_unkicked)
		return;
	vnet.tx_unkicked = 0;
	virtq_kick(&vnet.txq);
}

static int rx_post(struct vnet *v)
{
	uint16_t id = v->rxq.free_head;
	return virtq_add(&v->rxq, v->rx_pa + (uint64_t)id * VNET_BUF, VNET_BUF, true, NULL);
}

static int vnet_poll(struct netdev *dev, int budget)
{
	struct vnet *v = dev->priv;
	uint16_t id;
	uint32_t len;
	int n = 0;
	while (n < budget && virtq_used(&v->rxq, &id, &len)) {
		const uint8_t *buf = v->rx_va + (uint64_t)id * VNET_BUF;
		unsigned flags = v->rx_csum && (buf[0] & (HDR_F_NEEDS_CSUM | HDR_F_DATA_VALID)) ? NETDEV_RX_CSUM_OK : 0;
		if (len > v->hdr_len && len <= VNET_BUF)
			net_input_flags(dev, buf + v->hdr_len, len - v->hdr_len, flags);
		else
			v->rx_bad++;
		rx_post(v); /* the buffer goes straight back: net_input copied what it keeps */
		n++;
	}
	if (n) {
		v->rx_frames += (uint64_t)n;
		virtq_kick(&v->rxq);
	}
	reclaim_tx(v);
	return n;
}

static int vnet_link_up(struct netdev *dev)
{
	struct vnet *v = dev->priv;
	return v->has_status ? (virtio_config16(v->vdev, 6) & VIRTIO_NET_S_LINK_UP) != 0 : 1;
}

static void vnet_irq(void *ctx)
{
	struct vnet *v = ctx;
	virtio_ack_irq(v->vdev);
	v->irqs++;
	if (v->dev && v->dev->rx_notify) /* interrupt context: it only wakes */
		v->dev->rx_notify(v->dev);
}

static const struct netdev_ops vnet_ops = { vnet_link_up, vnet_poll };

int vnet_init(struct virtio_dev *d, struct netdev *dev, bool nocsum)
{
	struct vnet *v = &vnet;
	v->vdev = d;
	virtio_begin(d);
	uint64_t offered = virtio_features(d);
	uint64_t want = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_STATUS) |
			(1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GUEST_CSUM);
	if (d->version == 1) { /* ANY_LAYOUT: header and frame in one buffer (§5.1.6.6 legacy) */
		want = (want & ~(1ULL << VIRTIO_F_VERSION_1)) | (1ULL << VIRTIO_F_ANY_LAYOUT);
	} else if (!(offered & (1ULL << VIRTIO_F_VERSION_1))) {
		virtio_fail(d);
		return -ENODEV;
	}
	v->hdr_len = d->version == 1 ? VNET_HDR_LEN_LEGACY : VNET_HDR_LEN;
	if (nocsum)
		want &= ~((1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GUEST_CSUM));
	if (virtio_set_features(d, offered & want)) {
		virtio_fail(d);
		return -ENODEV;
	}
	v->has_status = offered & (1ULL << VIRTIO_NET_F_STATUS);
	v->tx_csum = !nocsum && (offered & (1ULL << VIRTIO_NET_F_CSUM));
	v->rx_csum = !nocsum && (offered & (1ULL << VIRTIO_NET_F_GUEST_CSUM));
	int r = virtq_init(&v->rxq, d, 0, VNET_QSIZE);
	if (!r)
		r = virtq_init(&v->txq, d, 1, VNET_QSIZE);
	uint64_t pages = (uint64_t)VNET_QSIZE * VNET_BUF / 4096;
	v->rx_pa = r ? 0 : mem_frames_alloc(pages);
	v->tx_pa = v->rx_pa ? mem_frames_alloc(pages) : 0;
	if (r || !v->tx_pa) {
		virtio_fail(d);
		return r ? r : -ENOMEM;
	}
	v->rx_va = x86_phys(v->rx_pa);
	v->tx_va = x86_phys(v->tx_pa);
	while (v->rxq.num_free)
		rx_post(v);
	*dev = (struct netdev){ .tx = vnet_tx, .ops = &vnet_ops, .priv = v,
				.features = v->tx_csum ? NETDEV_F_TX_CSUM : 0 };
	v->dev = dev;
	for (int i = 0; i < NETDEV_ADDR_LEN; i++)
		dev->mac[i] = (offered & (1ULL << VIRTIO_NET_F_MAC)) ? virtio_config8(d, (unsigned)i)
								 : (uint8_t)(i == 0 ? 0x02 : rand_u32());
	irq_register(APIC_VEC_IRQ0, vnet_irq, v); /* the first (only) network device */
	if (virtio_route_irq(d, APIC_VEC_IRQ0))
		kprintf("refkernel: virtio-net: no interrupt, polling every %d ms\n", NET_TIMER_TICK_MS);
	virtio_ready(d);
	virtq_kick(&v->rxq);
	kprintf("refkernel: virtio-net %s version %d%s at %#lx\n", d->transport, d->version,
		d->version == 1 ? " (legacy)" : "", (unsigned long)d->phys);
	return 0;
}

void vnet_print_counters(void)
{
	kprintf("refkernel: vnet csum_offload=%s rx=%lu tx=%lu tx_full=%lu rx_bad=%lu irqs=%lu kicks_rx=%lu kicks_tx=%lu\n",
		vnet.tx_csum ? (vnet.rx_csum ? "tx,rx" : "tx") : (vnet.rx_csum ? "rx" : "none"),
		(unsigned long)vnet.rx_frames, (unsigned long)vnet.tx_frames, (unsigned long)vnet.tx_full,
		(unsigned long)vnet.rx_bad, (unsigned long)vnet.irqs,
		(unsigned long)vnet.rxq.notifications, (unsigned long)vnet.txq.notifications);
}
