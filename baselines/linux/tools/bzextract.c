/* bzextract: turn an x86 bzImage into the PVH-bootable vmlinux ELF it carries.
 * main() -> load() -> find_payload() (boot protocol >= 2.08 header fields)
 * -> pick_codec() (by magic) -> decompress() (gzip/xz/zstd/lz4 tool through a
 * pipe) -> check_elf() (ELF64 with the Xen PHYS32_ENTRY note) -> rename.
 * Every failure prints one "bzextract: ..." line and exits 1; usage errors 2. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_IN   (256u << 20)	/* refuse inputs above 256 MiB */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

struct codec {
	const char *name;
	const unsigned char *magic;
	size_t magic_len;
	const char *const *argv;	/* NULL: recognised but unsupported */
};

static const unsigned char m_gzip[] = { 0x1f, 0x8b };
static const unsigned char m_xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
static const unsigned char m_zstd[] = { 0x28, 0xb5, 0x2f, 0xfd };
static const unsigned char m_lz4l[] = { 0x02, 0x21, 0x4c, 0x18 };	/* legacy, what Kbuild writes */
static const unsigned char m_lz4f[] = { 0x04, 0x22, 0x4d, 0x18 };	/* frame format */
static const unsigned char m_bz2[] = { 'B', 'Z', 'h' };
static const unsigned char m_lzma[] = { 0x5d, 0x00, 0x00 };
static const unsigned char m_lzo[] = { 0x89, 'L', 'Z', 'O' };

static const char *const a_gzip[] = { "gzip", "-dc", NULL };
static const char *const a_xz[] = { "xz", "-dc", NULL };
static const char *const a_zstd[] = { "zstd", "-dcq", NULL };
static const char *const a_lz4[] = { "lz4", "-dcq", NULL };

static const struct codec codecs[] = {
	{ "gzip", m_gzip, sizeof m_gzip, a_gzip },
	{ "xz", m_xz, sizeof m_xz, a_xz },
	{ "zstd", m_zstd, sizeof m_zstd, a_zstd },
	{ "lz4", m_lz4l, sizeof m_lz4l, a_lz4 },
	{ "lz4", m_lz4f, sizeof m_lz4f, a_lz4 },
	{ "bzip2", m_bz2, sizeof m_bz2, NULL },
	{ "lzma", m_lzma, sizeof m_lzma, NULL },
	{ "lzo", m_lzo, sizeof m_lzo, NULL },
};

static char tmp_path[4096];	/* removed by die() once created */

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
	va_list ap;

	if (tmp_path[0])
		unlink(tmp_path);
	fputs("bzextract: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned char *load(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) != 0)
		die("cannot open %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t)st.st_size > MAX_IN)
		die("%s: not a regular file of 1 byte to 256 MiB", path);
	buf = malloc((size_t)st.st_size);
	if (!buf)
		die("out of memory");
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0)
			die("cannot read %s: %s", path, n ? strerror(errno) : "short file");
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
}

/* Linux x86 boot protocol (Documentation/x86/boot.rst): setup_sects at 0x1f1,
 * boot_flag 0xAA55 at 0x1fe, "HdrS" at 0x202, version at 0x206; from 2.08 on,
 * payload_offset/payload_length at 0x248/0x24c, relative to the protected-mode
 * code, which starts after (setup_sects + 1) * 512 bytes. */
static const unsigned char *find_payload(const unsigned char *img, size_t len, size_t *plen)
{
	unsigned setup_sects;
	uint32_t off, n;
	size_t pm;

	if (len < 0x250 || img[0x1fe] != 0x55 || img[0x1ff] != 0xaa ||
	    memcmp(img + 0x202, "HdrS", 4) != 0)
		die("not a bzImage (no boot sector signature or \"HdrS\" header)");
	if ((img[0x206] | img[0x207] << 8) < 0x208)
		die("boot protocol %x.%02x too old: no payload fields (need 2.08)", img[0x207], img[0x206]);
	setup_sects = img[0x1f1] ? img[0x1f1] : 4;
	pm = ((size_t)setup_sects + 1) * 512;
	off = le32(img + 0x248);
	n = le32(img + 0x24c);
	if (n < 8 || pm + off > len || n > len - pm - off)
		die("payload (offset %u, length %u) lies outside the %zu-byte file", off, n, len);
	*plen = n;
	return img + pm + off;
}

static const struct codec *pick_codec(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++)
		if (n >= codecs[i].magic_len && memcmp(p, codecs[i].magic, codecs[i].magic_len) == 0)
			return &codecs[i];
	die("unknown compressor (payload magic %02x %02x %02x %02x); supported: gzip, xz, zstd, lz4",
	    p[0], p[1], p[2], p[3]);
}

/* Pipe the payload into the codec's tool, its stdout going to out_fd. The
 * child gets a 120 s alarm (kept across exec) so a stuck tool cannot hang us. */
static void decompress(const struct codec *c, const unsigned char *p, size_t n, int out_fd)
{
	int pfd[2], status;
	pid_t pid;
	size_t done = 0;

	if (pipe(pfd) != 0)
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(pfd[0], 0);
		dup2(out_fd, 1);
		close(pfd[0]);
		close(pfd[1]);
		alarm(120);
		execvp(c->argv[0], (char *const *)c->argv);
		fprintf(stderr, "bzextract: cannot run %s for the %s payload: %s\n",
			c->argv[0], c->name, strerror(errno));
		_exit(127);
	}
	close(pfd[0]);
	signal(SIGPIPE, SIG_IGN);
	while (done < n) {
		ssize_t w = write(pfd[1], p + done, n - done);
		if (w <= 0)
			break;	/* tool died early; its status says why */
		done += (size_t)w;
	}
	close(pfd[1]);
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		exit(1);	/* the child already said why */
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("%s failed on the payload (%s %d): corrupt kernel image?", c->argv[0],
		    WIFEXITED(status) ? "exit" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	if (done < n)
		die("%s stopped reading the payload after %zu of %zu bytes", c->argv[0], done, n);
}

/* The result must be an x86-64 ELF with a PT_NOTE holding Xen's
 * XEN_ELFNOTE_PHYS32_ENTRY: that is what QEMU -kernel needs for a PVH boot.
 * Returns the 32-bit entry point. */
static uint32_t check_elf(const unsigned char *e, size_t len)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)e;

	if (len < sizeof *eh || memcmp(e, ELFMAG, SELFMAG) != 0 || e[EI_CLASS] != ELFCLASS64 ||
	    eh->e_machine != EM_X86_64)
		die("decompressed payload is not an x86-64 ELF");
	if (eh->e_phoff > len || eh->e_phnum > (len - eh->e_phoff) / sizeof(Elf64_Phdr))
		die("decompressed ELF has its program headers outside the file");
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(e + eh->e_phoff) + i;
		size_t off = ph->p_offset, end = ph->p_offset + ph->p_filesz;

		if (ph->p_type != PT_NOTE || end > len || end < off)
			continue;
		while (off + sizeof(Elf64_Nhdr) <= end) {
			const Elf64_Nhdr *nh = (const Elf64_Nhdr *)(e + off);
			size_t name = off + sizeof *nh;
			size_t desc = name + ((nh->n_namesz + 3u) & ~3u);

			if (desc + nh->n_descsz > end)
				break;
			if (nh->n_type == XEN_ELFNOTE_PHYS32_ENTRY && nh->n_namesz == 4 &&
			    memcmp(e + name, "Xen", 4) == 0 && nh->n_descsz >= 4)
				return le32(e + desc);
			off = desc + ((nh->n_descsz + 3u) & ~3u);
		}
	}
	die("kernel ELF has no Xen PHYS32_ENTRY note: not PVH-bootable (built without CONFIG_PVH)");
}

int main(int argc, char **argv)
{
	size_t len, plen, olen;
	unsigned char *img, *out;
	const unsigned char *p;
	const struct codec *c;
	uint32_t want, entry;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: bzextract BZIMAGE OUT-VMLINUX\n");
		return 2;
	}
	img = load(argv[1], &len);
	p = find_payload(img, len, &plen);
	c = pick_codec(p, plen);
	if (!c->argv)
		die("payload is %s-compressed: not supported (gzip, xz, zstd, lz4 are)", c->name);
	/* Kbuild appends the uncompressed size as 4 little-endian bytes to every
	 * compressed payload; strip it (tools would call it trailing garbage). */
	want = le32(p + plen - 4);
	if (strlen(argv[2]) + sizeof ".tmp" > sizeof tmp_path)
		die("output path too long");
	snprintf(tmp_path, sizeof tmp_path, "%s.tmp", argv[2]);
	fd = open(tmp_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("cannot create %s: %s", tmp_path, strerror(errno));
	decompress(c, p, plen - 4, fd);
	close(fd);
	free(img);
	out = load(tmp_path, &olen);
	if (olen != want)
		die("%s output is %zu bytes, the image says %u: corrupt payload", c->name, olen, want);
	entry = check_elf(out, olen);
	if (rename(tmp_path, argv[2]) != 0)
		die("cannot rename %s to %s: %s", tmp_path, argv[2], strerror(errno));
	tmp_path[0] = 0;
	printf("bzextract: %s payload %zu -> %zu bytes, PVH entry 0x%x\n", c->name, plen, olen, entry);
	return 0;
}
