/* cmdline.c — split the kernel command line into parameters and argv
 * (grammar in cmdline.h). cmdline_parse() -> next_word() per word, in place;
 * cmdline_unknown() checks every key against cmdline_known[] (the one table
 * of kernel parameters); cmdline_get()/cmdline_get_u64()/cmdline_choice()
 * look parameters up afterwards. */
#include <stdbool.h>
#include <stddef.h>

#include "cmdline.h"
#include "kerrno.h"
#include "klib.h"

#define QEMU_MMIO "virtio_mmio.device="

/* Every parameter the kernel reads (include/refkernel.h documents each);
 * anything else is refused at boot. A new parameter is one line here. */
const char *const cmdline_known[] = {
	"tsc_khz", "ip", "gw", "net_nocsum", "arp_reachable_ms", "sched_slice_ms",
	"hostname", "boot_trace", "crash_test",
	"prot", "api", "net", "poll_us",
	"virtio_mmio.device", /* QEMU microvm adds these itself */
	NULL,
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Read one word starting at (*pp), removing quotes and escapes, writing the
 * result in place at its start and NUL-terminating it. Returns 1 and the word
 * in (*word), 0 at the end of the line, or -EINVAL with (*err) set.
 * (*quoted) tells whether the word had any quotes (so "--" is not a separator). */
static int next_word(char **pp, char **word, bool *quoted, const char **err)
{
	char *r = *pp;
	while (is_space(*r))
		r++;
	if (!*r) {
		*pp = r;
		return 0;
	}
	char *w = r, *start = r;
	bool inq = false;
	*quoted = false;
	while (*r && (inq || !is_space(*r))) {
		if (*r == '"') {
			inq = !inq;
			*quoted = true;
			r++;
		} else if (*r == '\\') {
			if (!r[1]) {
				*err = "trailing backslash";
				return -EINVAL;
			}
			if (r[1] == '"' || r[1] == '\\') {
				*w++ = r[1];
				r += 2;
			} else {
				*w++ = *r++; /* a lone backslash stays literal */
			}
		} else {
			*w++ = *r++;
		}
	}
	if (inq) {
		*err = "unterminated quote";
		return -EINVAL;
	}
	/* (r) is at a separator or the end; (w) <= (r), so this is safe. */
	if (*r)
		r++;
	*w = '\0';
	*pp = r;
	*word = start;
	return 1;
}

int cmdline_parse(char *buf, struct cmdline *cl)
{
	cl->nparams = 0;
	cl->argc = 0;
	cl->argv[0] = NULL;
	cl->error = NULL;
	if (!buf)
		return 0;

	char *p = buf, *word;
	bool in_args = false, quoted;
	int r;
	while ((r = next_word(&p, &word, &quoted, &cl->error)) > 0) {
		/* QEMU microvm appends "virtio_mmio.device=..." to the end of the
		 * line, after the application's arguments: keep those parameters. */
		if (in_args && (quoted || strncmp(word, QEMU_MMIO, sizeof(QEMU_MMIO) - 1) != 0)) {
			if (cl->argc >= CMDLINE_MAX_ARGS) {
				cl->error = "too many arguments after -- (max 64)";
				return -E2BIG;
			}
			cl->argv[cl->argc++] = word;
			cl->argv[cl->argc] = NULL;
			continue;
		}
		if (!quoted && strcmp(word, "--") == 0) {
			in_args = true;
			continue;
		}
		char *eq = strchr(word, '=');
		if (eq == word || !*word) {
			cl->error = "empty parameter name";
			return -EINVAL;
		}
		if (cl->nparams >= CMDLINE_MAX_PARAMS) {
			cl->error = "too many kernel parameters (max 64)";
			return -E2BIG;
		}
		struct cmdline_param *pa = &cl->params[cl->nparams++];
		pa->key = word;
		if (eq) {
			*eq = '\0';
			pa->value = eq + 1;
		} else {
			pa->value = word + strlen(word); /* "" */
		}
	}
	return r;
}

const char *cmdline_get(const struct cmdline *cl, const char *key)
{
	for (int i = cl->nparams - 1; i >= 0; i--)
		if (strcmp(cl->params[i].key, key) == 0)
			return cl->params[i].value;
	return NULL;
}

int cmdline_get_u64(const struct cmdline *cl, const char *key, unsigned long long *out)
{
	const char *s = cmdline_get(cl, key);
	if (!s)
		return 0;
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	unsigned long long v = 0;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return -EINVAL;
		if (v > (~0ULL - d) / base)
			return -EINVAL; /* overflow */
		v = v * base + d;
	}
	*out = v;
	return 1;
}

const char *cmdline_unknown(const struct cmdline *cl, const char *const *known)
{
	for (int i = 0; i < cl->nparams; i++) {
		const char *const *k = known;
		while (*k && strcmp(*k, cl->params[i].key) != 0)
			k++;
		if (!*k)
			return cl->params[i].key;
	}
	return NULL;
}

int cmdline_choice(const struct cmdline *cl, const char *key, const char *const *values)
{
	const char *s = cmdline_get(cl, key);
	if (!s)
		return 0;
	for (int i = 0; values[i]; i++)
		if (strcmp(values[i], s) == 0)
			return i;
	return -EINVAL;
}
