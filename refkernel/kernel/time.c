/* time.c — the TSC is the clock. Its frequency comes from, in order: the
 * command line (tsc_khz=, what a harness passes under TCG, like Linux's
 * tsc_early_khz), kvmclock (KVM), CPUID leaves 0x15/0x16, or a 1 ms PIT
 * measurement with its error bound (time_cal). Time zero is the first
 * instruction (x86_boot_tsc). A PIT calibration is checked once more, over
 * a longer window, when the clock is first read 10-200 ms after it
 * (pit_recheck): the result is printed, a disagreement beyond both bounds
 * said, and the longer measurement taken when they disagree or its bound
 * is the tighter, the clock staying continuous. */
#include "kernel.h"
#include "x86.h"
#include "vdso.h"
#include "kfmt.h"

uint64_t time_tsc_khz;
const char *time_source = "none";
char time_cal[32] = "given"; /* how the frequency was found, for the boot line */
static uint64_t ns_mult; /* ns = ((tsc - tsc0) * ns_mult) >> 32 */
static uint64_t tsc0; /* x86_boot_tsc, moved if the frequency is corrected */
static uint64_t epoch_ns; /* CLOCK_REALTIME at TSC time zero, read lazily */
static struct vdso_data *vdata; /* the application's vDSO data page, once mapped */

/* The vDSO reads the clock from (d): publish what we know, and later the
 * wall-clock epoch once the RTC has been read. */
void time_vdso_publish(struct vdso_data *d)
{
	vdata = d;
	d->boot_tsc = tsc0;
	d->epoch_ns = epoch_ns;
	d->ns_mult = ns_mult;
}

/* kvmclock ABI: Documentation/virt/kvm/x86/msr.rst, pvclock_vcpu_time_info */
struct pvclock {
	uint32_t version, pad0;
	uint64_t tsc_timestamp, system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags, pad[2];
} __attribute__((aligned(32)));
static struct pvclock pvclock;

static uint64_t khz_from_kvmclock(void)
{
	uint32_t r[4];
	cpuid(0x40000000, 0, r);
	if (r[1] != 0x4b4d564b || r[2] != 0x564b4d56 || r[3] != 0x4d) /* "KVMKVMKVM\0\0\0" */
		return 0;
	cpuid(0x40000001, 0, r);
	if (!(r[0] & (1 << 3))) /* KVM_FEATURE_CLOCKSOURCE2 */
		return 0;
	uint64_t pa = (uint64_t)&pvclock - KERNEL_VBASE;
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, pa | 1);
	uint32_t mul = *(volatile uint32_t *)&pvclock.tsc_to_system_mul;
	int shift = pvclock.tsc_shift;
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0);
	if (!mul)
		return 0;
	uint64_t khz = (1000000ULL << 32) / mul;
	return shift < 0 ? khz << -shift : khz >> shift;
}

static uint64_t khz_from_cpuid(void)
{
	uint32_t r[4];
	cpuid(0, 0, r);
	uint32_t max = r[0];
	if (max >= 0x15) {
		cpuid(0x15, 0, r); /* TSC/crystal ratio ebx/eax, crystal Hz in ecx */
		if (r[0] && r[1] && r[2])
			return (uint64_t)r[2] * r[1] / r[0] / 1000;
	}
	if (max >= 0x16) {
		cpuid(0x16, 0, r); /* base frequency, MHz */
		if (r[0])
			return (uint64_t)r[0] * 1000;
	}
	return 0;
}

/* PIT channel 0 as a free-running counter (Intel 8254 datasheet: mode 2,
 * count 65536 = 54.9 ms per wrap, read back with a latch command). Port 0x61
 * (channel 2's gate) does not exist on microvm, so channel 0 it is. */
static uint16_t pit_read(void)
{
	outb(0x43, 0x00); /* latch channel 0 */
	uint8_t lo = inb(0x40);
	return (uint16_t)(lo | inb(0x40) << 8);
}

/* Wait for the PIT's count to change from (from) and return the new count;
 * (*tsc) is the TSC just after the change was seen, (*lag) the cycles one
 * read took (how late the edge may have been seen). 0xffffffff: no PIT. */
static uint32_t pit_edge(uint16_t from, uint64_t *tsc, uint64_t *lag)
{
	for (uint32_t spin = 0; spin < 100000; spin++) {
		uint64_t t0 = rdtsc();
		uint16_t now = pit_read();
		uint64_t t1 = rdtsc();
		if (now != from) {
			*tsc = t1;
			*lag = t1 - t0;
			return now;
		}
	}
	return 0xffffffff;
}

/* The calibration's last edge, for the second measurement: its TSC, the
 * PIT's count there, how late it may have been seen, the bound in ppm. */
static struct { uint64_t tsc, lag; uint16_t count; uint32_t err_ppm; bool pending; } pit_cal;

/* Count PIT ticks (1.193182 MHz) over about 1 ms, starting and ending on a
 * tick edge so that the count is exact; the error is how late each edge
 * may have been seen (one PIT read each), printed as a bound in ppm. */
static uint64_t khz_from_pit(uint32_t *err_ppm)
{
	const uint32_t ticks = 1193;   /* 1 ms */
	outb(0x43, 0x34);              /* channel 0, lo/hi byte, mode 2 */
	outb(0x40, 0);
	outb(0x40, 0);
	uint64_t t0, t1, lag0, lag1;
	uint32_t c = pit_edge(pit_read(), &t0, &lag0);
	if (c == 0xffffffff)
		return 0;
	uint16_t start = (uint16_t)c, last = start;
	uint32_t elapsed = 0;
	while (elapsed < ticks) {
		if ((c = pit_edge(last, &t1, &lag1)) == 0xffffffff)
			return 0; /* the PIT stopped */
		elapsed += (uint16_t)(last - (uint16_t)c);
		last = (uint16_t)c;
	}
	uint64_t cycles = t1 - t0;
	if (!cycles)
		return 0;
	*err_ppm = (uint32_t)((lag0 + lag1) * 1000000 / cycles) + 1;
	pit_cal.tsc = t1;
	pit_cal.lag = lag1;
	pit_cal.count = last;
	pit_cal.err_ppm = *err_ppm;
	return cycles * 1193182 / elapsed / 1000;
}

static void set_khz(uint64_t khz)
{
	time_tsc_khz = khz;
	ns_mult = (1000000ULL << 32) / khz;
}

/* The second source: the PIT again, from the calibration's last edge to an
 * edge now (tsc), 10-200 ms later. The PIT wraps every 54.9 ms; the TSC at
 * the first frequency says how many times, which is unambiguous while that
 * frequency is within 13 % over 200 ms. A window read later than that is
 * restarted from now. */
static void pit_recheck(uint64_t tsc)
{
	uint64_t dt = tsc - pit_cal.tsc, ms = dt / time_tsc_khz;
	if (ms < 10)
		return;
	pit_cal.pending = false; /* an interrupt's time_ns() in the middle does not start another */
	uint64_t t, lag;
	uint32_t c = pit_edge(pit_read(), &t, &lag);
	if (c == 0xffffffff)
		return;
	if (ms > 200) { /* too long to count the wraps: start again from this edge */
		pit_cal = (typeof(pit_cal)){ t, lag, (uint16_t)c, pit_cal.err_ppm, true };
		return;
	}
	dt = t - pit_cal.tsc;
	uint64_t expect = dt * 1193182 / (time_tsc_khz * 1000);
	uint64_t part = (uint16_t)(pit_cal.count - (uint16_t)c); /* counts down */
	uint64_t ticks = part + (expect > part ? (expect - part + 32768) / 65536 * 65536 : 0);
	if (!ticks) /* whole wraps against a TSC that says less than half of one */
		return;
	uint64_t khz = dt * 1193182 / ticks / 1000;
	uint32_t err = (uint32_t)((pit_cal.lag + lag) * 1000000 / dt) + 1000000 / (uint32_t)ticks + 1;
	int64_t diff_ppm = ((int64_t)khz - (int64_t)time_tsc_khz) * 1000000 / (int64_t)time_tsc_khz;
	/* the longer measurement is taken when the two disagree, and whenever
	 * its own bound is the tighter one */
	bool off = (uint64_t)(diff_ppm < 0 ? -diff_ppm : diff_ppm) > pit_cal.err_ppm + err;
	bool take = off || err < pit_cal.err_ppm;
	kprintf("refkernel: tsc_khz=%lu checked against the PIT over %lu ms: %lu kHz \xc2\xb1%u ppm (%ld ppm), %s%s\n",
		(unsigned long)time_tsc_khz, (unsigned long)(dt / time_tsc_khz), (unsigned long)khz, err,
		(long)diff_ppm, off ? "disagrees beyond both bounds" : "agrees", take ? ", now using it" : "");
	if (!take)
		return;
	/* Keep the clock continuous at (t): tsc0 moves so that time_ns(t) is unchanged. */
	uint64_t now_ns = time_tsc_to_ns(t - tsc0);
	set_khz(khz);
	tsc0 = t - now_ns * khz / 1000000; /* now_ns < 1 s here: no overflow */
	if (vdata)
		time_vdso_publish(vdata);
}

void time_init(uint64_t khz)
{
	if (khz)
		time_source = "cmdline";
	if (!khz && (khz = khz_from_kvmclock()))
		time_source = "kvmclock";
	if (!khz && (khz = khz_from_cpuid()))
		time_source = "cpuid";
	if (khz && strcmp(time_source, "cmdline") != 0)
		kfmt_snprintf(time_cal, sizeof(time_cal), "%s", time_source);
	uint32_t err = 0;
	if (!khz && (khz = khz_from_pit(&err))) {
		uint32_t tenths = (err + 999) / 1000; /* the bound in 0.1 %, rounded up */
		time_source = "pit";
		kfmt_snprintf(time_cal, sizeof(time_cal), "pit:1ms \xc2\xb1%u.%u%%", tenths / 10, tenths % 10);
		pit_cal.pending = true;
	}
	if (!khz) {
		khz = 1000000;
		time_source = "guess";
		kprintf("refkernel: warning: no TSC frequency source, assuming 1 GHz\n");
	}
	tsc0 = x86_boot_tsc;
	set_khz(khz);
}

uint64_t time_tsc_to_ns(uint64_t tsc)
{
	return (uint64_t)(((unsigned __int128)tsc * ns_mult) >> 32);
}

uint64_t time_ns(void)
{
	uint64_t tsc = rdtsc();
	if (__builtin_expect(pit_cal.pending, 0)) {
		pit_recheck(tsc);
		tsc = rdtsc();
	}
	return time_tsc_to_ns(tsc - tsc0);
}

void time_delay_ns(uint64_t ns)
{
	uint64_t end = time_ns() + ns;
	while (time_ns() < end)
		cpu_relax();
}

/* CMOS RTC (MC146818 datasheet), read once on first use of CLOCK_REALTIME. */
static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static uint64_t rtc_epoch_seconds(void)
{
	for (int spin = 0; spin < 1000000 && (cmos(0x0a) & 0x80); spin++)
		cpu_relax();
	uint8_t s = cmos(0), mi = cmos(2), h = cmos(4), d = cmos(7), mo = cmos(8), y = cmos(9);
	uint8_t b = cmos(0x0b);
	if (!(b & 0x04)) { /* BCD */
#define BCD(x) (((x) & 0x0f) + ((x) >> 4) * 10)
		s = BCD(s); mi = BCD(mi); h = BCD(h & 0x7f) | (h & 0x80); d = BCD(d); mo = BCD(mo); y = BCD(y);
#undef BCD
	}
	if (!(b & 0x02) && (h & 0x80))
		h = (uint8_t)(((h & 0x7f) + 12) % 24);
	if (mo < 1 || mo > 12 || d < 1 || d > 31)
		return 0;
	/* days from civil (H. Hinnant's algorithm) */
	int64_t yy = 2000 + y - (mo <= 2);
	int64_t era = yy / 400, yoe = yy - era * 400;
	int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;
	return (uint64_t)(days * 86400 + h * 3600 + mi * 60 + s);
}

uint64_t time_realtime_ns(void)
{
	if (!epoch_ns) {
		uint64_t now = time_ns();
		epoch_ns = rtc_epoch_seconds() * 1000000000ULL - now;
		if (vdata)
			vdata->epoch_ns = epoch_ns;
	}
	return epoch_ns + time_ns();
}
