/* boot.c — read what the boot protocol handed us (PVH start info or a
 * Multiboot 1 information block) into struct boot_info. Runs on the boot page
 * tables, where physical memory below 1 GiB is visible at KERNEL_VBASE + pa.
 * Everything needed later is copied, so the loader's structures can be reused. */
#include "kernel.h"
#include "x86.h"

#define PVH_MAGIC       0x336ec578 /* xen/include/public/arch-x86/hvm/start_info.h */
#define MULTIBOOT_MAGIC 0x2badb002 /* Multiboot 1 spec §3.2 */
#define BOOT_LOW_LIMIT  0x40000000ULL

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr;
	uint64_t memmap_paddr; /* version >= 1 */
	uint32_t memmap_entries, reserved;
};
struct hvm_memmap_entry { uint64_t addr, size; uint32_t type, reserved; };
struct hvm_modlist_entry { uint64_t paddr, size, cmdline_paddr, reserved; };
struct mb_module { uint32_t start, end, string, reserved; }; /* Multiboot 1 §3.3 */

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
};
struct mb_mmap { uint32_t size; uint64_t addr, len; uint32_t type; } __attribute__((packed));

static char cmdline_copy[4096];

static const void *low(uint64_t pa, size_t len)
{
	return pa + len <= BOOT_LOW_LIMIT ? (const void *)(KERNEL_VBASE + pa) : NULL;
}

static void copy_cmdline(uint64_t pa)
{
	const char *s = pa ? low(pa, 1) : NULL;
	size_t i = 0;
	while (s && s[i] && i < sizeof(cmdline_copy) - 1 && (uint64_t)i + pa < BOOT_LOW_LIMIT) {
		cmdline_copy[i] = s[i];
		i++;
	}
	cmdline_copy[i] = 0;
}

static void add_ram(struct boot_info *bi, uint64_t start, uint64_t len)
{
	if (bi->nram < BOOT_MAX_RAM && len)
		bi->ram[bi->nram++] = (struct boot_range){ start, start + len };
}

static void add_mod(struct boot_info *bi, uint64_t start, uint64_t len)
{
	if (bi->nmods < BOOT_MAX_MODS && len && start + len > start)
		bi->mods[bi->nmods++] = (struct boot_range){ start, start + len };
}

/* Take the modules' pages out of the RAM ranges (the frame allocator must
 * not hand them out: their contents are served in place), then mark the
 * top module's end with an empty range for the direct map. */
static void carve_mods(struct boot_info *bi)
{
	uint64_t top = 0;
	for (int m = 0; m < bi->nmods; m++) {
		uint64_t ms = bi->mods[m].start & ~0xfffULL, me = ALIGN_UP(bi->mods[m].end, 4096);
		top = MAX(top, me);
		for (int i = 0; i < bi->nram; i++) {
			struct boot_range *r = &bi->ram[i];
			if (r->end <= ms || me <= r->start)
				continue;
			struct boot_range tail = { me, r->end };
			r->end = MAX(r->start, ms);
			if (tail.end > tail.start && bi->nram < BOOT_MAX_RAM)
				bi->ram[bi->nram++] = tail;
		}
	}
	if (top && bi->nram < BOOT_MAX_RAM)
		bi->ram[bi->nram++] = (struct boot_range){ top, top };
}

int boot_parse(uint32_t magic, uint32_t info, struct boot_info *bi)
{
	memset(bi, 0, sizeof(*bi));
	bi->cmdline = cmdline_copy;
	/* PVH leaves %eax undefined (qboot happens to pass the Multiboot magic),
	 * so the start info's own magic decides first. */
	const struct hvm_start_info *si = low(info, sizeof(*si));
	if (magic == MULTIBOOT_MAGIC && !(si && si->magic == PVH_MAGIC)) {
		const struct mb_info *mb = low(info, sizeof(*mb));
		bi->proto = "multiboot";
		if (!mb)
			return -EINVAL;
		if (mb->flags & (1 << 2)) {
			/* QEMU and GRUB put the kernel's file name first: not a parameter */
			copy_cmdline(mb->cmdline);
			size_t i = 0, j = 0;
			while (cmdline_copy[i] && cmdline_copy[i] != ' ')
				i++;
			while (cmdline_copy[i])
				cmdline_copy[j++] = cmdline_copy[i++];
			cmdline_copy[j] = 0;
		}
		if (mb->flags & (1 << 6)) {
			uint64_t p = mb->mmap_addr, end = p + mb->mmap_length;
			while (p + sizeof(struct mb_mmap) <= end) {
				const struct mb_mmap *e = low(p, sizeof(*e));
				if (!e)
					break;
				if (e->type == 1)
					add_ram(bi, e->addr, e->len);
				p += e->size + 4;
			}
		} else if (mb->flags & 1) {
			add_ram(bi, 0, (uint64_t)mb->mem_lower << 10);
			add_ram(bi, 0x100000, (uint64_t)mb->mem_upper << 10);
		}
		if (mb->flags & (1 << 3)) {
			const struct mb_module *mod = low(mb->mods_addr, mb->mods_count * sizeof(*mod));
			for (uint32_t i = 0; mod && i < mb->mods_count; i++)
				if (mod[i].end > mod[i].start)
					add_mod(bi, mod[i].start, mod[i].end - mod[i].start);
		}
		carve_mods(bi);
		return bi->nram ? 0 : -EINVAL;
	}
	bi->proto = "pvh";
	if (!si || si->magic != PVH_MAGIC)
		return -EINVAL;
	copy_cmdline(si->cmdline_paddr);
	if (si->version >= 1) {
		const struct hvm_memmap_entry *m =
			low(si->memmap_paddr, si->memmap_entries * sizeof(*m));
		for (uint32_t i = 0; m && i < si->memmap_entries; i++)
			if (m[i].type == 1)
				add_ram(bi, m[i].addr, m[i].size);
	}
	if (si->nr_modules) {
		const struct hvm_modlist_entry *mod = low(si->modlist_paddr, si->nr_modules * sizeof(*mod));
		for (uint32_t i = 0; mod && i < si->nr_modules; i++)
			add_mod(bi, mod[i].paddr, mod[i].size);
	}
	carve_mods(bi);
	return bi->nram ? 0 : -EINVAL;
}
