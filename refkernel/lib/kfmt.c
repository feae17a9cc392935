/* kfmt.c — printf-style formatting without libc (see kfmt.h).
 * kfmt_snprintf() -> kfmt_vsnprintf() -> kfmt(): kfmt() walks the format and
 * emits each conversion through put(); the buffer variants count and clip. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kfmt.h"
#include "klib.h"

/* Widths and precisions are clamped, so a wild "%999999999d" cannot flood
 * the console; C itself allows any int. */
#define KFMT_MAX_WIDTH 4096

enum {
	F_MINUS = 1, F_ZERO = 2, F_PLUS = 4, F_SPACE = 8, F_HASH = 16,
};

struct out {
	kfmt_put_fn put;
	void *ctx;
	int n; /* characters emitted so far (saturates at INT32_MAX) */
};

static void emit(struct out *o, char c)
{
	o->put(o->ctx, c);
	if (o->n < INT32_MAX)
		o->n++;
}

static void emit_n(struct out *o, char c, int count)
{
	while (count-- > 0)
		emit(o, c);
}

static void emit_str(struct out *o, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		emit(o, s[i]);
}

/* One integer conversion. (neg) is the sign of a signed value whose magnitude
 * is (v). (prec) < 0 means no precision given. */
static void fmt_int(struct out *o, uint64_t v, bool neg, unsigned base, bool upper,
		    int flags, int width, int prec, bool is_ptr)
{
	const char *digs = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24]; /* 2^64 in octal is 22 digits */
	int nd = 0;
	uint64_t x = v;

	while (x) {
		tmp[nd++] = digs[x % base];
		x /= base;
	}
	/* Precision is the minimum number of digits; "%.0d" of 0 prints nothing. */
	int zeros = 0;
	if (prec < 0) {
		if (nd == 0)
			zeros = 1;
	} else if (prec > nd) {
		zeros = prec - nd;
	}

	char prefix[2];
	int np = 0;
	if (neg)
		prefix[np++] = '-';
	else if (flags & F_PLUS)
		prefix[np++] = '+';
	else if (flags & F_SPACE)
		prefix[np++] = ' ';
	if (base == 16 && (((flags & F_HASH) && v != 0) || is_ptr)) {
		prefix[np++] = '0';
		prefix[np++] = upper ? 'X' : 'x';
	}
	/* '#' with octal: the first digit must be 0. */
	if (base == 8 && (flags & F_HASH) && zeros == 0 && (nd == 0 || tmp[nd - 1] != '0'))
		zeros = 1;

	int body = np + zeros + nd;
	int pad = width > body ? width - body : 0;
	if ((flags & F_ZERO) && !(flags & F_MINUS) && prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!(flags & F_MINUS))
		emit_n(o, ' ', pad);
	emit_str(o, prefix, (size_t)np);
	emit_n(o, '0', zeros);
	while (nd)
		emit(o, tmp[--nd]);
	if (flags & F_MINUS)
		emit_n(o, ' ', pad);
}

static void fmt_str(struct out *o, const char *s, int flags, int width, int prec)
{
	size_t len = 0;
	if (!s)
		s = "(null)";
	while (s[len] && (prec < 0 || len < (size_t)prec))
		len++;
	int pad = width > (int)len ? width - (int)len : 0;
	if (!(flags & F_MINUS))
		emit_n(o, ' ', pad);
	emit_str(o, s, len);
	if (flags & F_MINUS)
		emit_n(o, ' ', pad);
}

enum len { L_NONE, L_HH, L_H, L_L, L_LL, L_Z, L_T, L_J };

static uint64_t get_unsigned(va_list *ap, enum len l)
{
	switch (l) {
	case L_HH: return (unsigned char)va_arg(*ap, unsigned int);
	case L_H:  return (unsigned short)va_arg(*ap, unsigned int);
	case L_L:  return va_arg(*ap, unsigned long);
	case L_LL: return va_arg(*ap, unsigned long long);
	case L_Z:  return va_arg(*ap, size_t);
	case L_T:  return (uint64_t)va_arg(*ap, ptrdiff_t);
	case L_J:  return va_arg(*ap, uintmax_t);
	default:   return va_arg(*ap, unsigned int);
	}
}

static int64_t get_signed(va_list *ap, enum len l)
{
	switch (l) {
	case L_HH: return (signed char)va_arg(*ap, int);
	case L_H:  return (short)va_arg(*ap, int);
	case L_L:  return va_arg(*ap, long);
	case L_LL: return va_arg(*ap, long long);
	case L_Z:  return (int64_t)va_arg(*ap, size_t);
	case L_T:  return va_arg(*ap, ptrdiff_t);
	case L_J:  return va_arg(*ap, intmax_t);
	default:   return va_arg(*ap, int);
	}
}

int kfmt(kfmt_put_fn put, void *ctx, const char *fmt, va_list ap_in)
{
	struct out o = { put, ctx, 0 };
	va_list ap;
	va_copy(ap, ap_in);

	while (*fmt) {
		if (*fmt != '%') {
			emit(&o, *fmt++);
			continue;
		}
		const char *spec = fmt++; /* for printing unknown conversions as-is */
		int flags = 0, width = 0, prec = -1;
		for (;; fmt++) {
			if (*fmt == '-') flags |= F_MINUS;
			else if (*fmt == '0') flags |= F_ZERO;
			else if (*fmt == '+') flags |= F_PLUS;
			else if (*fmt == ' ') flags |= F_SPACE;
			else if (*fmt == '#') flags |= F_HASH;
			else break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_MINUS;
				width = width == INT32_MIN ? INT32_MAX : -width;
			}
			width = MIN(width, KFMT_MAX_WIDTH);
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9') {
				width = MIN(width * 10 + (*fmt - '0'), KFMT_MAX_WIDTH);
				fmt++;
			}
		}
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int); /* negative: as if omitted */
				prec = prec < 0 ? -1 : MIN(prec, KFMT_MAX_WIDTH);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9') {
					prec = MIN(prec * 10 + (*fmt - '0'), KFMT_MAX_WIDTH);
					fmt++;
				}
			}
		}
		enum len l = L_NONE;
		switch (*fmt) {
		case 'h': l = fmt[1] == 'h' ? L_HH : L_H; fmt += l == L_HH ? 2 : 1; break;
		case 'l': l = fmt[1] == 'l' ? L_LL : L_L; fmt += l == L_LL ? 2 : 1; break;
		case 'z': l = L_Z; fmt++; break;
		case 't': l = L_T; fmt++; break;
		case 'j': l = L_J; fmt++; break;
		default: break;
		}
		char c = *fmt;
		switch (c) {
		case 'd':
		case 'i': {
			int64_t v = get_signed(&ap, l);
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			fmt_int(&o, mag, v < 0, 10, false, flags, width, prec, false);
			break;
		}
		case 'u':
			fmt_int(&o, get_unsigned(&ap, l), false, 10, false,
				flags & ~(F_PLUS | F_SPACE), width, prec, false);
			break;
		case 'x':
		case 'X':
			fmt_int(&o, get_unsigned(&ap, l), false, 16, c == 'X',
				flags & ~(F_PLUS | F_SPACE), width, prec, false);
			break;
		case 'o':
			fmt_int(&o, get_unsigned(&ap, l), false, 8, false,
				flags & ~(F_PLUS | F_SPACE), width, prec, false);
			break;
		case 'p':
			fmt_int(&o, (uint64_t)(uintptr_t)va_arg(ap, void *), false, 16, false,
				flags & ~(F_PLUS | F_SPACE | F_HASH), width, prec, true);
			break;
		case 'c': {
			char ch = (char)va_arg(ap, int);
			int pad = width > 1 ? width - 1 : 0;
			if (!(flags & F_MINUS))
				emit_n(&o, ' ', pad);
			emit(&o, ch);
			if (flags & F_MINUS)
				emit_n(&o, ' ', pad);
			break;
		}
		case 's':
			fmt_str(&o, va_arg(ap, const char *), flags, width, prec);
			break;
		case '%':
			emit(&o, '%');
			break;
		case '\0':
			/* Format ends inside a conversion: print what was there. */
			emit_str(&o, spec, (size_t)(fmt - spec));
			continue;
		default:
			/* Unknown (including %f/%e/%g, %n): print the spec literally
			 * and consume no argument. */
			emit_str(&o, spec, (size_t)(fmt - spec) + 1);
			break;
		}
		fmt++;
	}
	va_end(ap);
	return o.n;
}

struct sbuf {
	char *buf;
	size_t size, pos;
};

static void sbuf_put(void *ctx, char c)
{
	struct sbuf *b = ctx;
	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

int kfmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sbuf b = { buf, size, 0 };
	int n = kfmt(sbuf_put, &b, fmt, ap);
	if (size > 0)
		buf[b.pos < size ? b.pos : size - 1] = '\0';
	return n;
}

int kfmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kfmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
