/* paging.c — 4-level page tables (Intel SDM vol. 3 §4.5). x86_paging_init()
 * replaces boot.S's tables with the final ones: the kernel image with W^X
 * (text RX, rodata R, data RW+NX), all RAM in a direct map at DMAP_BASE
 * (2 MiB pages, NX), and an empty lower half for the application.
 * prot=ring3*: every entry on the way to a lower-half page, and the page,
 * carry the U bit (x86_upte); the kernel's never do. prot=ring3-kpti: a new
 * lower-half PML4 entry is copied into the user table (x86_upml4, cpu.c),
 * and a changed user mapping tells the entry path to flush its PCID. */
#include "x86.h"
#include "kernel.h"

extern char _kernel_start[], _etext[], _erodata[], _kernel_end[];

uint64_t *x86_pml4;
/* Physical memory is reached through the boot map (KERNEL_VBASE + pa, first
 * GiB) until the final tables are loaded, then through the direct map. */
uint64_t x86_phys_off = KERNEL_VBASE;

uint64_t x86_nx;

static uint64_t *table_at(uint64_t pa)
{
	return x86_phys(pa);
}

static uint64_t *next_table(uint64_t *t, int idx, bool create, uint64_t user)
{
	if (!(t[idx] & PTE_P)) {
		if (!create)
			return NULL;
		uint64_t pa = mem_frame_alloc();
		if (!pa)
			return NULL;
		t[idx] = pa | PTE_P | PTE_W | user;
		if (t == x86_pml4 && x86_upml4 && idx < 256)
			x86_upml4[idx] = t[idx];
	}
	if (t[idx] & PTE_PS)
		return NULL;
	return table_at(t[idx] & PTE_ADDR);
}

/* The U bit for an entry mapping (va): set in the lower half at ring 3. */
static uint64_t user_bit(uint64_t va)
{
	return va < USER_END ? x86_upte : 0;
}

/* A present user mapping changed: the user PCID's entries go (kpti). */
static void user_changed(uint64_t va, uint64_t old)
{
	if (va < USER_END && (old & PTE_P))
		x86_user_tlb_stale();
}

static uint64_t *walk(uint64_t *pml4, uint64_t va, bool create)
{
	uint64_t *t = pml4;
	for (int shift = 39; shift > 12; shift -= 9) {
		t = next_table(t, (va >> shift) & 511, create, user_bit(va));
		if (!t)
			return NULL;
	}
	return &t[(va >> 12) & 511];
}

uint64_t *x86_pte(uint64_t *pml4, uint64_t va)
{
	return walk(pml4, va, false);
}

uint64_t *x86_pte_create(uint64_t *pml4, uint64_t va)
{
	return walk(pml4, va, true);
}

int x86_map(uint64_t *pml4, uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *pte = walk(pml4, va, true);
	if (!pte)
		return -ENOMEM;
	user_changed(va, *pte);
	*pte = (pa & PTE_ADDR) | flags | PTE_P | user_bit(va);
	invlpg(va);
	return 0;
}

/* A leaf entry holds a frame when its address is set: present, or not
 * present after x86_protect without PTE_P (PROT_NONE keeps the frame). */
uint64_t x86_unmap(uint64_t *pml4, uint64_t va)
{
	uint64_t *pte = walk(pml4, va, false);
	if (!pte || !(*pte & PTE_ADDR))
		return 0;
	uint64_t pa = *pte & PTE_ADDR;
	user_changed(va, *pte);
	*pte = 0;
	invlpg(va);
	return pa;
}

int x86_protect(uint64_t *pml4, uint64_t va, uint64_t flags)
{
	uint64_t *pte = walk(pml4, va, false);
	if (!pte || !(*pte & PTE_ADDR))
		return -ENOENT;
	user_changed(va, *pte);
	*pte = (*pte & PTE_ADDR) | flags | user_bit(va);
	invlpg(va);
	return 0;
}

uint64_t *x86_pte_next(uint64_t *pml4, uint64_t va, uint64_t *next)
{
	uint64_t *t = pml4;
	for (int shift = 39; shift > 12; shift -= 9) {
		uint64_t e = t[(va >> shift) & 511];
		if (!(e & PTE_P) || (e & PTE_PS)) {
			*next = (va & ~((1ULL << shift) - 1)) + (1ULL << shift);
			return NULL;
		}
		t = table_at(e & PTE_ADDR);
	}
	*next = (va & ~0xfffULL) + 4096;
	return &t[(va >> 12) & 511];
}

int x86_prealloc(uint64_t *pml4, uint64_t start, uint64_t end)
{
	for (uint64_t va = start & ~0xfffULL; va < end; va = (va & ~0x1fffffULL) + 0x200000)
		if (!walk(pml4, va, true))
			return -ENOMEM;
	return 0;
}

/* The kernel image at its link address, in one pass: text RX, read-only
 * data R, data RW (NX from text_end on, W from ro_end on); one walk per
 * page table, then the entries written in a row (the tables are fresh, no
 * invlpg needed). */
static int map_kernel(uint64_t text_end, uint64_t ro_end)
{
	uint64_t *pte = NULL;
	for (uint64_t va = (uint64_t)_kernel_start; va < (uint64_t)_kernel_end; va += 4096, pte++) {
		if (!pte || (va & 0x1fffff) == 0)
			if (!(pte = walk(x86_pml4, va, true)))
				return -ENOMEM;
		uint64_t nx = va >= text_end ? x86_nx : 0, w = va >= ro_end ? PTE_W : 0;
		*pte = (va - KERNEL_VBASE) | nx | w | PTE_G | PTE_P;
	}
	return 0;
}

int x86_paging_init(uint64_t ram_end)
{
	uint32_t id[4];
	cpuid(0x80000001, 0, id);
	x86_nx = (id[3] & (1u << 20)) ? PTE_NX : 0; /* boot.S set EFER.NXE alike */
	uint64_t pml4_pa = mem_frame_alloc();
	if (!pml4_pa)
		return -ENOMEM;
	x86_pml4 = table_at(pml4_pa);

	/* direct map: 1 GiB pages where the CPU has them (CPUID 0x80000001
	 * EDX bit 26, SDM vol. 3 §4.5.4), else 2 MiB pages */
	if (id[3] & (1u << 26)) {
		for (uint64_t pa = 0; pa < ram_end; pa += 1ULL << 30) {
			uint64_t va = DMAP_BASE + pa;
			uint64_t *pdpt = next_table(x86_pml4, (va >> 39) & 511, true, 0);
			if (!pdpt)
				return -ENOMEM;
			pdpt[(va >> 30) & 511] = pa | PTE_P | PTE_W | PTE_PS | PTE_G | x86_nx;
		}
		ram_end = 0;
	}
	for (uint64_t pa = 0; pa < ram_end; pa += 0x200000) {
		uint64_t va = DMAP_BASE + pa;
		uint64_t *pdpt = next_table(x86_pml4, (va >> 39) & 511, true, 0);
		uint64_t *pd = pdpt ? next_table(pdpt, (va >> 30) & 511, true, 0) : NULL;
		if (!pd)
			return -ENOMEM;
		pd[(va >> 21) & 511] = pa | PTE_P | PTE_W | PTE_PS | PTE_G | x86_nx;
	}
	if (map_kernel(ALIGN_UP((uint64_t)_etext, 4096), ALIGN_UP((uint64_t)_erodata, 4096)))
		return -ENOMEM;
	write_cr3(pml4_pa);
	x86_phys_off = DMAP_BASE;
	x86_pml4 = table_at(pml4_pa);
	return 0;
}
