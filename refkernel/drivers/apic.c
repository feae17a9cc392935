/* apic.c — the local APIC (interrupt acknowledge, the one-shot timer) and the
 * I/O APIC (routing device interrupt lines to vectors). Intel SDM vol. 3
 * ch. 10 and the 82093AA I/O APIC datasheet. The legacy 8259 PICs are
 * remapped to vectors 32..47 and masked, so they can never alias exceptions.
 * Timer: TSC-deadline mode under KVM where the CPU has it (SDM §10.5.4.1),
 * else one-shot mode with the LAPIC clock measured against the TSC once. */
#include "kernel.h"
#include "x86.h"

#define LAPIC_PHYS  0xfee00000ULL
#define IOAPIC_PHYS  0xfec00000ULL
#define IOAPIC2_PHYS 0xfec10000ULL /* QEMU microvm's second I/O APIC (GSI 24..47), with ACPI */
#define LAPIC_ID    0x020
#define LAPIC_EOI   0x0b0
#define LAPIC_SVR   0x0f0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3e0
#define MSR_APIC_BASE    0x1b
#define MSR_TSC_DEADLINE 0x6e0

static volatile uint32_t *lapic;
static volatile uint32_t *ioapic, *ioapic2;
static bool tsc_deadline;
static uint64_t lapic_per_ms; /* LAPIC timer ticks per ms (divide by 16) */
static uint64_t armed_at;     /* deadline the timer is set for, 0: none */

uint64_t apic_timer_deadline(void)
{
	return armed_at;
}

static uint32_t lapic_rd(uint32_t reg) { return lapic[reg / 4]; }
static void lapic_wr(uint32_t reg, uint32_t v) { lapic[reg / 4] = v; }

static void ioapic_wr(volatile uint32_t *io, uint32_t reg, uint32_t v)
{
	io[0] = reg;      /* IOREGSEL */
	io[4] = v;        /* IOWIN at +0x10 */
}

static uint32_t ioapic_rd(volatile uint32_t *io, uint32_t reg)
{
	io[0] = reg;
	return io[4];
}

static void pic_disable(void)
{
	/* ICW1..ICW4 (8259A datasheet): vectors 32..39 and 40..47, then mask all */
	outb(0x20, 0x11); outb(0xa0, 0x11);
	outb(0x21, 32);   outb(0xa1, 40);
	outb(0x21, 4);    outb(0xa1, 2);
	outb(0x21, 1);    outb(0xa1, 1);
	outb(0x21, 0xff); outb(0xa1, 0xff);
}

void apic_eoi(void)
{
	lapic_wr(LAPIC_EOI, 0);
}

/* Lazily, on first use: hello never needs an interrupt, and the port writes
 * here cost a VM exit each under KVM. */
int apic_init(void)
{
	static int done;
	if (done)
		return done < 0 ? -ENODEV : 0;
	done = -1;
	uint32_t r[4];
	cpuid(1, 0, r);
	if (!(r[3] & (1 << 9)))
		return -ENODEV;
	/* TSC-deadline mode only under KVM: QEMU's TCG converts the deadline
	 * with its own idea of the TSC rate (not the host's, which the guest
	 * TSC runs at), so sleeps came out twice too long there. One-shot mode
	 * calibrated against the TSC is right everywhere. */
	uint32_t h[4];
	cpuid(0x40000000, 0, h);
	bool kvm = h[1] == 0x4b4d564b && h[2] == 0x564b4d56 && h[3] == 0x4d; /* "KVMKVMKVM" */
	tsc_deadline = (r[2] & (1 << 24)) && kvm;
	pic_disable();
	wrmsr(MSR_APIC_BASE, (rdmsr(MSR_APIC_BASE) & ~0xfffULL & ~(0xfffffULL << 12)) | LAPIC_PHYS | (1 << 11));
	lapic = mem_map_mmio(LAPIC_PHYS, 4096);
	ioapic = mem_map_mmio(IOAPIC_PHYS, 4096);
	ioapic2 = mem_map_mmio(IOAPIC2_PHYS, 4096);
	if (!lapic || !ioapic || !ioapic2)
		return -ENOMEM;
	uint32_t ver = ioapic_rd(ioapic2, 1); /* version register: 0x11 or 0x20 in bits 0..7 */
	if (ver == 0 || ver == 0xffffffff || (ver & 0xff) < 0x10)
		ioapic2 = NULL;
	lapic_wr(LAPIC_SVR, (1 << 8) | APIC_VEC_SPURIOUS);
	lapic_wr(LAPIC_LVT_TIMER, (1 << 16) | APIC_VEC_TIMER); /* masked until armed */
	done = 1;
	return 0;
}

bool apic_has_ioapic2(void)
{
	return apic_init() == 0 && ioapic2;
}

void apic_route_irq(int gsi, int vector)
{
	volatile uint32_t *io = gsi < 24 ? ioapic : ioapic2;
	int pin = gsi < 24 ? gsi : gsi - 24;
	if (!io)
		return;
	uint32_t id = lapic_rd(LAPIC_ID) >> 24;
	ioapic_wr(io, 0x11 + 2 * (uint32_t)pin, id << 24);      /* destination: this CPU */
	ioapic_wr(io, 0x10 + 2 * (uint32_t)pin, (uint32_t)vector); /* fixed, physical, edge, high, unmasked */
}

/* One-shot mode needs the LAPIC clock rate: count it against the TSC over
 * 2 ms, reading both clocks back to back at each end so that time the vCPU
 * spends descheduled on a busy host does not skew the ratio. */
static void lapic_calibrate(void)
{
	lapic_wr(LAPIC_TIMER_DIV, 3); /* divide by 16 */
	lapic_wr(LAPIC_LVT_TIMER, (1 << 16) | APIC_VEC_TIMER);
	lapic_wr(LAPIC_TIMER_INIT, 0xffffffff);
	uint64_t t0 = rdtsc();
	uint32_t c0 = lapic_rd(LAPIC_TIMER_CUR);
	time_delay_ns(2000000);
	uint32_t c1 = lapic_rd(LAPIC_TIMER_CUR);
	uint64_t t1 = rdtsc();
	lapic_wr(LAPIC_TIMER_INIT, 0);
	uint64_t ns = time_tsc_to_ns(t1 - t0);
	lapic_per_ms = ns ? (uint64_t)(c0 - c1) * 1000000 / ns : 0;
	if (!lapic_per_ms)
		lapic_per_ms = 1;
}

/* Fire APIC_VEC_TIMER once at (deadline_ns) of time_ns(); 0 disarms. */
void apic_timer_at(uint64_t deadline_ns)
{
	if (apic_init())
		return;
	armed_at = deadline_ns;
	if (tsc_deadline) {
		lapic_wr(LAPIC_LVT_TIMER, (2 << 17) | APIC_VEC_TIMER);
		uint64_t now = time_ns();
		uint64_t delta = deadline_ns > now ? deadline_ns - now : 0;
		wrmsr(MSR_TSC_DEADLINE, deadline_ns ? rdtsc() + delta * time_tsc_khz / 1000000 + 1 : 0);
		return;
	}
	if (!lapic_per_ms)
		lapic_calibrate();
	lapic_wr(LAPIC_LVT_TIMER, APIC_VEC_TIMER); /* one-shot */
	if (!deadline_ns) {
		lapic_wr(LAPIC_TIMER_INIT, 0);
		return;
	}
	uint64_t now = time_ns();
	uint64_t ticks = deadline_ns > now ? (deadline_ns - now) * lapic_per_ms / 1000000 : 1;
	lapic_wr(LAPIC_TIMER_INIT, (uint32_t)MIN(MAX(ticks, 1), 0xffffffffULL));
}
