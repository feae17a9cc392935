/* netdev.h — the seam between a network driver (virtio-net, a test's fake
 * interface) and the protocol stack (refkernel/net). The stack never includes a
 * driver header; a driver never looks inside the stack.
 *
 * Call order: the driver fills a struct netdev (tx, ops, mac, mtu) and passes it
 * to net_stack_create() (net.h); from then on it calls net_input() for every
 * received frame, and the stack calls dev->tx() for every frame it sends.
 *
 * Error policy: tx returns 0 when the frame was queued for sending, or a
 * negative errno (-ENOBUFS when the ring is full, -ENETDOWN when the link is
 * down); the stack counts the failure and drops the frame (TCP retransmits).
 * Frames are whole Ethernet frames (destination MAC first), without FCS and
 * without any driver header.
 */
#ifndef NETDEV_H
#define NETDEV_H
#include <stddef.h>
#include <stdint.h>

#define NETDEV_ADDR_LEN 6
#define NETDEV_MTU_DEFAULT 1500

/* dev->features: checksum offload (virtio-net VIRTIO_NET_F_CSUM). With it
 * the stack writes only the pseudo-header sum (folded, not complemented) into
 * each TCP and UDP checksum field; the driver MUST have the device complete
 * it: csum_start = 14 + 4 * IHL, csum_offset = 16 (TCP) or 6 (UDP). */
#define NETDEV_F_TX_CSUM 0x1

/* net_input_flags() (flags): the device validated the TCP/UDP checksum, or
 * the frame comes from the host with it still to be filled (virtio-net
 * DATA_VALID or NEEDS_CSUM); the stack then skips its own check. */
#define NETDEV_RX_CSUM_OK 0x1

struct netdev;

/* Rarely used operations. Every member MAY be NULL. */
struct netdev_ops {
	/* (dev) link state: 1 up, 0 down. NULL means always up. */
	int (*link_up)(struct netdev *dev);
	/* (dev, budget) polling mode: deliver up to (budget) received frames
	 * through net_input() and return how many were delivered. */
	int (*poll)(struct netdev *dev, int budget);
};

struct netdev {
	/* Hot path, called by the stack: send one frame of (len) bytes. The
	 * driver MUST copy or consume (frame) before returning; the stack reuses
	 * the buffer at once. MUST NOT call back into the stack. */
	int (*tx)(struct netdev *dev, const void *frame, size_t len);
	const struct netdev_ops *ops;
	uint8_t mac[NETDEV_ADDR_LEN];
	uint16_t mtu;       /* IP MTU, 0 means NETDEV_MTU_DEFAULT */
	uint32_t features;  /* NETDEV_F_* the driver offers */
	void *priv;         /* owned by the driver */
	void *stack;        /* owned by the stack: set by net_stack_create() */
	/* Set by whoever runs the stack (the kernel), MAY be NULL: the driver
	 * calls it from its interrupt handler when frames may have arrived. It
	 * runs in interrupt context and MUST NOT enter the stack. */
	void (*rx_notify)(struct netdev *dev);
};

#endif
