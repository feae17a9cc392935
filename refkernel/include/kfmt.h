/* kfmt.h — printf-style formatting for the kernel (host-buildable, no libc).
 *
 * Supported conversions: %d %i %u %x %X %o %c %s %p %%, length modifiers
 * hh h l ll z t j, flags '-' '0' '+' ' ' '#', field width and precision
 * (including '*'). %p prints 0x followed by lower-case hex. %s of NULL prints
 * "(null)". Floating point is not supported: %f/%e/%g print the conversion
 * literally. Unknown conversions are printed as-is, never crash.
 *
 * Output goes through a callback (kfmt) or into a buffer (kfmt_snprintf), which
 * always NUL-terminates when (size) > 0 and returns the length the full output
 * would have had, like C99 snprintf.
 */
#ifndef KFMT_H
#define KFMT_H
#include <stdarg.h>
#include <stddef.h>

typedef void (*kfmt_put_fn)(void *ctx, char c);

int kfmt(kfmt_put_fn put, void *ctx, const char *fmt, va_list ap);
int kfmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int kfmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
