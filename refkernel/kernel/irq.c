/* irq.c — device interrupts and waiting for them. The application runs with
 * interrupts off (IF=0: the syscall entry clears it and nothing sets it), so
 * an interrupt is taken only inside kwait(), while the CPU halts. Handlers do
 * the minimum (acknowledge the device, count) and the woken code polls: no
 * kernel state is ever touched from two contexts at once.
 * Call order: apic_init -> irq_register per device -> kwait in blocking calls. */
#include "kernel.h"
#include "x86.h"
#include "ksched.h"

#define NVEC 64
static struct { void (*fn)(void *); void *ctx; } handlers[NVEC];
static volatile uint64_t irq_events;
uint64_t irq_count, idle_ns;

void irq_register(int vector, void (*fn)(void *), void *ctx)
{
	if (vector >= 32 && vector < NVEC)
		handlers[vector] = (typeof(handlers[0])){ fn, ctx };
}

void irq_dispatch(int vector)
{
	if (vector == APIC_VEC_SPURIOUS)
		return; /* no EOI for a spurious interrupt (SDM §10.9) */
	irq_count++;
	irq_events++;
	if (vector < NVEC && handlers[vector].fn)
		handlers[vector].fn(handlers[vector].ctx);
	apic_eoi();
	if (sched_multi()) {
		sched_events();         /* threads waiting for "something happened" re-check */
		if (vector == APIC_VEC_TIMER)
			sched_tick();
	}
}

/* Halt until an interrupt or until time_ns() reaches (deadline_ns) (0: no
 * deadline). Returns at once if an interrupt came since (*seen) was taken;
 * updates (*seen). Callers re-check their condition and loop. */
uint64_t (*kwait_next_hook)(void);

void kwait(uint64_t deadline_ns, uint64_t *seen)
{
	knet_flush();
	if (kwait_next_hook) { /* timers above (alarms, timerfds) end the halt in time */
		uint64_t next = kwait_next_hook();
		if (next && (!deadline_ns || next < deadline_ns))
			deadline_ns = next;
	}
	irq_disable();
	if (irq_events == *seen && (!deadline_ns || time_ns() < deadline_ns)) {
		uint64_t t0 = time_ns();
		apic_timer_at(deadline_ns > t0 && deadline_ns - t0 > KTIMER_MAX_NS ? t0 + KTIMER_MAX_NS : deadline_ns);
		__asm__ volatile("sti; hlt; cli" ::: "memory"); /* sti's shadow covers hlt: no lost wake-up */
		idle_ns += time_ns() - t0;
	}
	*seen = irq_events;
}

uint64_t irq_events_now(void)
{
	return irq_events;
}

/* Until (ready)(ctx) or (deadline_ns) (0: none): poll the network, halt
 * between interrupts and network ticks. Returns 0, or -ETIMEDOUT. */
int kwait_until(bool (*ready)(void *ctx), void *ctx, uint64_t deadline_ns)
{
	uint64_t seen = irq_events_now();
	if (knet_spin(ready, ctx, deadline_ns)) /* net=poll: spin on the rings first */
		return 0;
	for (;;) {
		uint64_t tick = knet_poll();
		if (ready(ctx))
			return 0;
		if (deadline_ns && time_ns() >= deadline_ns)
			return -ETIMEDOUT;
		uint64_t until = deadline_ns;
		if (tick && (!until || tick < until))
			until = tick;
		if (sched_multi())
			sched_block(W_EVENT, until); /* other threads run meanwhile */
		else
			kwait(until, &seen);
	}
}
