/* cmdline.h — the kernel command line.
 *
 * Grammar: words separated by spaces or tabs. Before a lone "--", each word is
 * a kernel parameter, "key=value" or a bare "flag" (value ""). After "--" each
 * word is one argv entry for the application. A word may contain double-quoted
 * parts ("a b" is one word, quotes removed) and \" or \\ escapes. Words QEMU
 * adds itself (virtio_mmio.device=...) are ordinary parameters.
 * If there is no "--", argv is empty and the kernel uses the image name.
 *
 * cmdline_parse() splits (buf) in place (it writes NULs) and fills (cl), whose
 * arrays point into (buf). It returns 0, or a negative errno with (cl->error)
 * set to a one-line reason:
 *   -EINVAL  unterminated quote, empty key ("=x"), trailing backslash
 *   -E2BIG   more than CMDLINE_MAX_PARAMS parameters or CMDLINE_MAX_ARGS args
 */
#ifndef CMDLINE_H
#define CMDLINE_H
#include <stddef.h>

#define CMDLINE_MAX_PARAMS 64
#define CMDLINE_MAX_ARGS   64

struct cmdline_param {
	const char *key;
	const char *value; /* "" for a bare flag */
};

struct cmdline {
	int nparams;
	struct cmdline_param params[CMDLINE_MAX_PARAMS];
	int argc;
	char *argv[CMDLINE_MAX_ARGS + 1]; /* NULL-terminated */
	const char *error;                /* set when cmdline_parse fails */
};

int cmdline_parse(char *buf, struct cmdline *cl);
/* Value of the last parameter named (key), or NULL when absent. */
const char *cmdline_get(const struct cmdline *cl, const char *key);
/* Parse an unsigned decimal (or 0x hex) value of (key) into (*out).
 * Returns 1 if present and valid, 0 if absent, -EINVAL if malformed. */
int cmdline_get_u64(const struct cmdline *cl, const char *key, unsigned long long *out);
/* The kernel's parameters, NULL-terminated (lib/cmdline.c). */
extern const char *const cmdline_known[];
/* The first parameter of (cl) whose key is not in (known), NULL-terminated,
 * or NULL when every key is known. */
const char *cmdline_unknown(const struct cmdline *cl, const char *const *known);
/* Index in (values), NULL-terminated, of the value of (key); 0 (the
 * default, values[0]) when absent; -EINVAL for any other value. */
int cmdline_choice(const struct cmdline *cl, const char *key, const char *const *values);

#endif
