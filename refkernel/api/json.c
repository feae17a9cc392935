/* json.c — the API's output: bytes, numbers, HTML text and JSON (RFC 8259)
 * into one fixed buffer. What does not fit sets (overflow) and is dropped:
 * the caller answers 500 rather than send a cut document. */
#include "klib.h"
#include "api.h"

void api_out_init(struct api_out *o, char *buf, size_t cap)
{
	*o = (struct api_out){ .buf = buf, .cap = cap };
}

void api_out_raw(struct api_out *o, const char *s, size_t n)
{
	if (o->overflow || n > o->cap - o->len) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

void api_out_str(struct api_out *o, const char *s) { api_out_raw(o, s, strlen(s)); }

void api_out_u64(struct api_out *o, uint64_t v)
{
	char d[20];
	int n = 0;
	do {
		d[sizeof(d) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	api_out_raw(o, d + sizeof(d) - n, (size_t)n);
}

void api_out_fixed(struct api_out *o, uint64_t v, int decimals)
{
	uint64_t div = 1;
	for (int i = 0; i < decimals; i++)
		div *= 10;
	api_out_u64(o, v / div);
	if (decimals <= 0)
		return;
	char f[20];
	uint64_t r = v % div;
	for (int i = decimals - 1; i >= 0; i--, r /= 10)
		f[i] = (char)('0' + r % 10);
	api_out_raw(o, ".", 1);
	api_out_raw(o, f, (size_t)decimals);
}

void api_out_html(struct api_out *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': api_out_str(o, "&amp;"); break;
		case '<': api_out_str(o, "&lt;"); break;
		case '>': api_out_str(o, "&gt;"); break;
		case '"': api_out_str(o, "&quot;"); break;
		case '\'': api_out_str(o, "&#39;"); break;
		default: api_out_raw(o, s, 1);
		}
	}
}

/* Before a value: the comma, unless it follows its key. */
static void value(struct api_out *o)
{
	if (o->after_key) {
		o->after_key = false;
		return;
	}
	if (o->more & (1u << o->depth))
		api_out_raw(o, ",", 1);
	o->more |= 1u << o->depth;
}

static void open_level(struct api_out *o, char c)
{
	value(o);
	if (o->depth + 1 >= API_JSON_DEPTH) {
		o->overflow = true;
		return;
	}
	api_out_raw(o, &c, 1);
	o->depth++;
	o->more &= ~(1u << o->depth);
	if (c == '[')
		o->arr |= 1u << o->depth;
	else
		o->arr &= ~(1u << o->depth);
}

void api_json_obj(struct api_out *o) { open_level(o, '{'); }
void api_json_arr(struct api_out *o) { open_level(o, '['); }

void api_json_end(struct api_out *o)
{
	if (o->depth == 0) {
		o->overflow = true;
		return;
	}
	api_out_raw(o, o->arr & (1u << o->depth) ? "]" : "}", 1);
	o->depth--;
}

void api_json_key(struct api_out *o, const char *k)
{
	api_json_str(o, k);
	api_out_raw(o, ":", 1);
	o->after_key = true;
}

void api_json_str(struct api_out *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	value(o);
	api_out_raw(o, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			api_out_raw(o, e, 2);
		} else if (c == '\n' || c == '\r' || c == '\t') {
			char e[2] = { '\\', c == '\n' ? 'n' : c == '\r' ? 'r' : 't' };
			api_out_raw(o, e, 2);
		} else if (c < 0x20) {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			api_out_raw(o, e, 6);
		} else {
			api_out_raw(o, s, 1);
		}
	}
	api_out_raw(o, "\"", 1);
}

void api_json_u64(struct api_out *o, uint64_t v)
{
	value(o);
	api_out_u64(o, v);
}

void api_json_fixed(struct api_out *o, uint64_t v, int decimals)
{
	value(o);
	api_out_fixed(o, v, decimals);
}

void api_json_bool(struct api_out *o, bool v)
{
	value(o);
	api_out_str(o, v ? "true" : "false");
}
