/* console.c — the 16550 UART on COM1 (0x3f8) as console, kprintf on top of
 * kfmt, and the ways out: kexit() through QEMU's isa-debug-exit with
 * fallbacks, kpanic() for boot failures. */
#include <stdarg.h>
#include "kernel.h"
#include "kfmt.h"
#include "x86.h"

#define COM1 0x3f8
/* 16550 registers (PC16550D datasheet, table 2) */
#define UART_THR 0
#define UART_RBR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DR   0x01
#define LSR_THRE 0x20

void console_init(void)
{
	outb(COM1 + UART_IER, 0);      /* no interrupts: we poll */
	outb(COM1 + UART_LCR, 0x80);   /* DLAB: divisor 1 = 115200 baud */
	outb(COM1 + 0, 1);
	outb(COM1 + 1, 0);
	outb(COM1 + UART_LCR, 0x03);   /* 8N1 */
	outb(COM1 + UART_FCR, 0x07);   /* FIFOs on and cleared */
	outb(COM1 + UART_MCR, 0x03);   /* DTR, RTS */
}

static void putc_raw(char c)
{
	for (int spin = 0; spin < 100000 && !(inb(COM1 + UART_LSR) & LSR_THRE); spin++)
		cpu_relax();
	outb(COM1 + UART_THR, (uint8_t)c);
}

void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			putc_raw('\r');
		putc_raw(s[i]);
	}
}

bool console_readable(void)
{
	return inb(COM1 + UART_LSR) & LSR_DR;
}

int console_read(char *buf, size_t n)
{
	size_t got = 0;
	if (n == 0)
		return 0;
	while (!(inb(COM1 + UART_LSR) & LSR_DR))
		cpu_relax();
	while (got < n && (inb(COM1 + UART_LSR) & LSR_DR)) {
		char c = (char)inb(COM1 + UART_RBR);
		buf[got++] = c == '\r' ? '\n' : c;
		if (c == '\r' || c == '\n')
			break;
	}
	return (int)got;
}

/* kprintf's buffer is a struct kline (kernel.h), written out when full. */
static void kbuf_put(void *ctx, char c)
{
	struct kline *k = ctx;
	if (k->n == sizeof(k->b)) {
		console_write(k->b, k->n);
		k->n = 0;
	}
	k->b[k->n++] = c;
}

static int kvprintf(const char *fmt, va_list ap)
{
	struct kline k;
	k.n = 0;
	int r = kfmt(kbuf_put, &k, fmt, ap);
	console_write(k.b, k.n);
	return r;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = kvprintf(fmt, ap);
	va_end(ap);
	return r;
}

static void kline_put(struct kline *l, const char *s)
{
	while (*s)
		kbuf_put(l, *s++);
}

void kline_s(struct kline *l, const char *key, const char *s)
{
	kline_put(l, key);
	kline_put(l, s);
}

void kline_u(struct kline *l, const char *key, uint64_t v)
{
	char d[21];
	int i = (int)sizeof(d) - 1;
	d[i] = '\0';
	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	kline_s(l, key, d + i);
}

void kline_end(struct kline *l)
{
	kline_put(l, "\n");
	console_write(l->b, l->n);
	l->n = 0;
}

void kexit(int code)
{
	irq_disable();
	outb(0xf4, (uint8_t)code);     /* QEMU isa-debug-exit: exits with (code << 1) | 1 */
	outw(0x604, 0x2000);           /* QEMU q35 ACPI PM1a_CNT: SLP_TYPa=0 | SLP_EN */
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) none = { 0, 0 };
	__asm__ volatile("lidt %0; int3" ::"m"(none)); /* triple fault: -no-reboot exits */
	for (;;)
		__asm__ volatile("hlt");
}

void kpanic(int code, const char *fmt, ...)
{
	va_list ap;
	kprintf("refkernel: error: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	kexit(code);
}
