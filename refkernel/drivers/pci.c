/* pci.c — PCI configuration space over ports 0xcf8/0xcfc (configuration
 * mechanism #1, PCI Local Bus spec 3.0 §3.2.2.3.2) and MSI-X (§6.8.2). */
#include "kernel.h"
#include "pci.h"
#include "x86.h"

static void select_reg(uint16_t bdf, uint8_t off)
{
	outl(0xcf8, 0x80000000u | (uint32_t)bdf << 8 | (off & 0xfc));
}

uint32_t pci_read32(uint16_t bdf, uint8_t off) { select_reg(bdf, off); return inl(0xcfc); }
uint16_t pci_read16(uint16_t bdf, uint8_t off) { return (uint16_t)(pci_read32(bdf, off) >> ((off & 2) * 8)); }
uint8_t pci_read8(uint16_t bdf, uint8_t off) { return (uint8_t)(pci_read32(bdf, off) >> ((off & 3) * 8)); }
void pci_write32(uint16_t bdf, uint8_t off, uint32_t v) { select_reg(bdf, off); outl(0xcfc, v); }

void pci_write16(uint16_t bdf, uint8_t off, uint16_t v)
{
	uint32_t old = pci_read32(bdf, off), sh = (off & 2) * 8;
	pci_write32(bdf, off, (old & ~(0xffffu << sh)) | (uint32_t)v << sh);
}

uint64_t pci_bar(uint16_t bdf, int i)
{
	uint32_t lo = pci_read32(bdf, (uint8_t)(0x10 + 4 * i));
	if (lo & 1)
		return 0; /* I/O space */
	uint64_t addr = lo & ~0xfULL;
	if (((lo >> 1) & 3) == 2)
		addr |= (uint64_t)pci_read32(bdf, (uint8_t)(0x14 + 4 * i)) << 32;
	return addr;
}

uint8_t pci_find_cap(uint16_t bdf, uint8_t id, uint8_t from)
{
	if (!(pci_read16(bdf, 0x06) & (1 << 4)))
		return 0; /* no capability list */
	uint8_t p = from ? pci_read8(bdf, (uint8_t)(from + 1)) : pci_read8(bdf, 0x34);
	for (int guard = 0; p && guard < 48; guard++) {
		p &= 0xfc;
		if (pci_read8(bdf, p) == id)
			return p;
		p = pci_read8(bdf, (uint8_t)(p + 1));
	}
	return 0;
}

void pci_enable(uint16_t bdf)
{
	pci_write16(bdf, 0x04, (uint16_t)(pci_read16(bdf, 0x04) | (1 << 1) | (1 << 2)));
}

int pci_msix_route(uint16_t bdf, int entry, int vector)
{
	uint8_t cap = pci_find_cap(bdf, PCI_CAP_MSIX, 0);
	if (!cap)
		return -ENODEV;
	uint16_t ctl = pci_read16(bdf, (uint8_t)(cap + 2));
	if (entry > (ctl & 0x7ff))
		return -EINVAL;
	uint32_t tbl = pci_read32(bdf, (uint8_t)(cap + 4));
	uint64_t bar = pci_bar(bdf, tbl & 7);
	if (!bar)
		return -ENODEV;
	volatile uint32_t *e = mem_map_mmio(bar + (tbl & ~7u) + 16ULL * (uint64_t)entry, 16);
	if (!e)
		return -ENOMEM;
	uint32_t apic_id = 0; /* one CPU, the boot processor */
	e[0] = 0xfee00000u | apic_id << 12; /* message address: fixed delivery to this LAPIC */
	e[1] = 0;
	e[2] = (uint32_t)vector;            /* edge, fixed */
	e[3] = 0;                           /* unmasked */
	pci_write16(bdf, (uint8_t)(cap + 2), (uint16_t)((ctl | (1 << 15)) & ~(1 << 14)));
	return 0;
}
