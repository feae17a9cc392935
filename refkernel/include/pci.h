/* pci.h — PCI configuration space through the legacy I/O ports 0xcf8/0xcfc
 * (PCI Local Bus spec 3.0 §3.2.2.3.2; q35 and pc have them), bus 0 only,
 * and the pieces of it drivers need: BARs, capabilities, MSI-X. */
#ifndef PCI_H
#define PCI_H
#include <stdint.h>

#define PCI_BDF(dev, fn) ((uint16_t)((dev) << 3 | (fn)))
#define PCI_CAP_MSIX   0x11
#define PCI_CAP_VENDOR 0x09

uint32_t pci_read32(uint16_t bdf, uint8_t off);
uint16_t pci_read16(uint16_t bdf, uint8_t off);
uint8_t  pci_read8(uint16_t bdf, uint8_t off);
void     pci_write32(uint16_t bdf, uint8_t off, uint32_t v);
void     pci_write16(uint16_t bdf, uint8_t off, uint16_t v);
/* Physical address of memory BAR (i), 0 if it is not a memory BAR. */
uint64_t pci_bar(uint16_t bdf, int i);
/* Offset of the first capability (id) after (from) (0: from the start), or 0. */
uint8_t  pci_find_cap(uint16_t bdf, uint8_t id, uint8_t from);
void     pci_enable(uint16_t bdf);        /* memory decoding and bus mastering */
/* Point MSI-X table entry (entry) at this CPU's (vector) and enable MSI-X.
 * Returns 0, or -ENODEV without MSI-X. */
int      pci_msix_route(uint16_t bdf, int entry, int vector);

#endif
