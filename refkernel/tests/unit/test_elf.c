/* test_elf.c — ELF checks and loading: a real static musl binary (built here
 * with musl-gcc, unstripped, plus build/workloads/hello when present) and
 * hand-made images, each broken in one way. */
#include <criterion/criterion.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf.h"
#include "../../lib/elf64.h"

/* ---- the real binary -------------------------------------------------- */

static const char sample_src[] =
	"#include <stdio.h>\n"
	"__attribute__((noinline)) int sample_target(int x) { return x * 3 + 1; }\n"
	"int sample_data[300] = { 1 };\n"
	"int main(int argc, char **argv) { (void)argv; printf(\"%d\\n\", sample_target(argc) + sample_data[0]); return 0; }\n";

/* Path of the unstripped sample next to the test binary, built once. */
static const char *sample_path(void)
{
	static char path[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	cr_assert(n > 0);
	exe[n] = '\0';
	snprintf(path, sizeof(path), "%s/elf-sample-v1", dirname(exe));
	if (access(path, R_OK) == 0)
		return path;
	if (system("command -v musl-gcc >/dev/null 2>&1") != 0)
		return NULL;
	char src[PATH_MAX + 16], tmp[PATH_MAX + 16], cmd[3 * PATH_MAX + 64];
	snprintf(src, sizeof(src), "%s.%d.c", path, (int)getpid());
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	FILE *f = fopen(src, "w");
	cr_assert_not_null(f);
	fputs(sample_src, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "musl-gcc -static -O1 -o '%s' '%s'", tmp, src);
	int r = system(cmd);
	unlink(src);
	cr_assert_eq(r, 0, "musl-gcc failed: %s", cmd);
	cr_assert_eq(rename(tmp, path), 0);
	return path;
}

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc((size_t)n + 1);
	cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static unsigned char *load_sample(size_t *len)
{
	const char *p = sample_path();
	if (!p)
		cr_skip_test("musl-gcc not installed");
	return read_file(p, len);
}

/* Checks that elf_info agrees with the file's own program headers. */
static void check_info_matches_file(const unsigned char *img, size_t len, const struct elf_info *in)
{
	Elf64_Ehdr eh;
	memcpy(&eh, img, sizeof(eh));
	cr_assert_eq(in->entry, eh.e_entry);
	cr_assert_eq(in->phnum, eh.e_phnum);
	cr_assert_eq(in->phentsize, sizeof(Elf64_Phdr));
	int nload = 0;
	uint64_t lo = UINT64_MAX, hi = 0, phdr = 0;
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		cr_assert_neq(ph.p_type, PT_INTERP);
		if (ph.p_type != PT_LOAD)
			continue;
		const struct elf_seg *s = &in->segs[nload++];
		cr_assert_eq(s->vaddr, ph.p_vaddr);
		cr_assert_eq(s->memsz, ph.p_memsz);
		cr_assert_eq(s->offset, ph.p_offset);
		cr_assert_eq(s->filesz, ph.p_filesz);
		int prot = ((ph.p_flags & PF_R) ? ELF_PROT_R : 0) | ((ph.p_flags & PF_W) ? ELF_PROT_W : 0) |
			   ((ph.p_flags & PF_X) ? ELF_PROT_X : 0);
		cr_assert_eq(s->prot, prot);
		cr_assert_leq(ph.p_offset + ph.p_filesz, len);
		lo = ph.p_vaddr < lo ? ph.p_vaddr : lo;
		hi = ph.p_vaddr + ph.p_memsz > hi ? ph.p_vaddr + ph.p_memsz : hi;
		if (eh.e_phoff >= ph.p_offset && eh.e_phoff < ph.p_offset + ph.p_filesz)
			phdr = ph.p_vaddr + eh.e_phoff - ph.p_offset;
	}
	cr_assert_eq(in->nsegs, nload);
	cr_assert_eq(in->lo, lo);
	cr_assert_eq(in->hi, hi);
	cr_assert_eq(in->phdr_vaddr, phdr);
	cr_assert_neq(phdr, 0, "static binaries carry their program headers in a segment");
}

/* elf_parse() reads what elf_check() filled in, field by field. */
static void check_parse_agrees(const unsigned char *img, const struct elf_info *in)
{
	struct elf_info p;
	memset(&p, 0xa5, sizeof(p));
	elf_parse(img, &p);
	cr_assert_eq(p.entry, in->entry);
	cr_assert_eq(p.phdr_vaddr, in->phdr_vaddr);
	cr_assert_eq(p.phnum, in->phnum);
	cr_assert_eq(p.phentsize, in->phentsize);
	cr_assert_eq(p.lo, in->lo);
	cr_assert_eq(p.hi, in->hi);
	cr_assert_eq(p.tls_memsz, in->tls_memsz);
	cr_assert_eq(p.tls_align, in->tls_align);
	cr_assert_eq(p.dyn, in->dyn);
	cr_assert_eq(p.interp, in->interp);
	cr_assert_eq(p.nsegs, in->nsegs);
	for (int i = 0; i < in->nsegs; i++) {
		cr_assert_eq(p.segs[i].vaddr, in->segs[i].vaddr, "segment %d", i);
		cr_assert_eq(p.segs[i].memsz, in->segs[i].memsz, "segment %d", i);
		cr_assert_eq(p.segs[i].offset, in->segs[i].offset, "segment %d", i);
		cr_assert_eq(p.segs[i].filesz, in->segs[i].filesz, "segment %d", i);
		cr_assert_eq(p.segs[i].prot, in->segs[i].prot, "segment %d", i);
	}
}

Test(elf, real_static_binary_checks)
{
	size_t len;
	unsigned char *img = load_sample(&len);
	struct elf_info in;
	const char *why = NULL;
	cr_assert_eq(elf_check(img, len, &in, &why), 0, "rejected: %s", why ? why : "?");
	check_info_matches_file(img, len, &in);
	check_parse_agrees(img, &in);
	cr_assert_geq(in.nsegs, 2);
	free(img);
}

Test(elf, hello_workload_checks)
{
	char p[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	cr_assert(n > 0);
	exe[n] = '\0';
	/* build/refkernel/unit-tests -> build/workloads/hello */
	snprintf(p, sizeof(p), "%s/../workloads/hello", dirname(exe));
	if (access(p, R_OK) != 0)
		cr_skip_test("build/workloads/hello not built");
	size_t len;
	unsigned char *img = read_file(p, &len);
	struct elf_info in;
	const char *why = NULL;
	cr_assert_eq(elf_check(img, len, &in, &why), 0, "rejected: %s", why ? why : "?");
	check_info_matches_file(img, len, &in);
	check_parse_agrees(img, &in);
	/* Stripped: no symbols to find. */
	uint64_t off;
	cr_assert_null(elf_symbol(img, len, in.entry, &off));
	free(img);
}

/* map() that copies into a flat buffer standing for [lo, hi). */
struct space {
	uint64_t lo, hi;
	unsigned char *mem;
	int calls;
};

static int map_into_space(void *ctx, uint64_t vaddr, uint64_t memsz, const void *src,
			  uint64_t filesz, int prot)
{
	struct space *s = ctx;
	(void)prot;
	cr_assert_geq(vaddr, s->lo);
	cr_assert_leq(vaddr + memsz, s->hi);
	memcpy(s->mem + (vaddr - s->lo), src, filesz);
	memset(s->mem + (vaddr - s->lo) + filesz, 0, memsz - filesz);
	s->calls++;
	return 0;
}

Test(elf, real_binary_loads_and_symbolises)
{
	size_t len;
	unsigned char *img = load_sample(&len);
	struct elf_info in;
	const char *why;
	cr_assert_eq(elf_check(img, len, &in, &why), 0);
	struct space sp = { in.lo, in.hi, malloc(in.hi - in.lo), 0 };
	memset(sp.mem, 0xee, in.hi - in.lo);
	cr_assert_eq(elf_load(img, &in, map_into_space, &sp), 0);
	cr_assert_eq(sp.calls, in.nsegs);
	/* The program headers are where AT_PHDR says. */
	Elf64_Ehdr eh;
	memcpy(&eh, img, sizeof(eh));
	cr_assert(memcmp(sp.mem + (in.phdr_vaddr - in.lo), img + eh.e_phoff,
			 eh.e_phnum * sizeof(Elf64_Phdr)) == 0);

	/* Find sample_target with nm and compare. */
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof(cmd), "nm -S --defined-only '%s'", sample_path());
	FILE *f = popen(cmd, "r");
	cr_assert_not_null(f);
	char line[512];
	unsigned long long addr = 0, size = 0, main_addr = 0, memcpy_addr = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a, s;
		char t, name[256];
		if (sscanf(line, "%llx %llx %c %255s", &a, &s, &t, name) != 4) {
			s = 0;
			if (sscanf(line, "%llx %c %255s", &a, &t, name) != 3)
				continue;
		}
		if (strcmp(name, "memcpy") == 0)
			memcpy_addr = a;
		if (strcmp(name, "sample_target") == 0) {
			addr = a;
			size = s;
		} else if (strcmp(name, "main") == 0) {
			main_addr = a;
		}
	}
	pclose(f);
	cr_assert_neq(addr, 0, "nm did not find sample_target");
	cr_assert_gt(size, 0);

	uint64_t off = 99;
	const char *name = elf_symbol(img, len, addr, &off);
	cr_assert_str_eq(name, "sample_target");
	cr_assert_eq(off, 0);
	name = elf_symbol(img, len, addr + size - 1, &off);
	cr_assert_str_eq(name, "sample_target");
	cr_assert_eq(off, size - 1);
	name = elf_symbol(img, len, main_addr + 1, &off);
	cr_assert_str_eq(name, "main");
	cr_assert_eq(off, 1);
	/* Memory holds each segment's file bytes followed by zeros. */
	for (int i = 0; i < in.nsegs; i++) {
		const struct elf_seg *s = &in.segs[i];
		cr_assert(memcmp(sp.mem + (s->vaddr - in.lo), img + s->offset, s->filesz) == 0);
		for (uint64_t k = s->filesz; k < s->memsz; k++)
			cr_assert_eq(sp.mem[s->vaddr - in.lo + k], 0, "segment %d byte %llu not zeroed",
				     i, (unsigned long long)k);
	}
	cr_assert(in.segs[in.nsegs - 1].memsz > in.segs[in.nsegs - 1].filesz, "sample has a .bss");
	/* musl's assembly: memcpy has no size, _start is an untyped label. */
	cr_assert_neq(memcpy_addr, 0);
	cr_assert_str_eq(elf_symbol(img, len, memcpy_addr + 5, &off), "memcpy");
	cr_assert_eq(off, 5);
	cr_assert_str_eq(elf_symbol(img, len, in.entry + 1, &off), "_start");
	cr_assert_eq(off, 1);
	cr_assert_null(elf_symbol(img, len, 0x1000, &off));
	cr_assert_null(elf_symbol(img, len, in.hi + 0x100000, &off));
	free(sp.mem);
	free(img);
}

Test(elf, truncated_real_binary_never_crashes)
{
	size_t len;
	unsigned char *img = load_sample(&len);
	struct elf_info in;
	const char *why;
	cr_assert_eq(elf_check(img, len, &in, &why), 0);
	uint64_t last = 0;
	for (int i = 0; i < in.nsegs; i++)
		if (in.segs[i].offset + in.segs[i].filesz > last)
			last = in.segs[i].offset + in.segs[i].filesz;
	uint64_t addr = in.entry, off;
	/* Each truncation: copy to an exact-size buffer so ASan sees overreads. */
	for (size_t n = 0; n < len; n += (n < 4096 ? 1 : 61)) {
		unsigned char *t = malloc(n ? n : 1);
		memcpy(t, img, n);
		why = NULL;
		int r = elf_check(t, n, &in, &why);
		if (n < last) {
			cr_assert_eq(r, -ENOEXEC, "length %zu accepted", n);
			cr_assert_not_null(why);
		}
		elf_symbol(t, n, addr, &off);
		free(t);
	}
	free(img);
}

Test(elf, random_corruption_never_crashes)
{
	size_t len;
	unsigned char *img = load_sample(&len);
	unsigned char *t = malloc(len);
	srand(1234);
	for (int round = 0; round < 3000; round++) {
		memcpy(t, img, len);
		int flips = 1 + rand() % 4;
		for (int k = 0; k < flips; k++) {
			/* Mostly hit the headers, where the parsing happens. */
			size_t at = rand() % 2 ? (size_t)rand() % 512 : (size_t)rand() % len;
			t[at] = (unsigned char)rand();
		}
		struct elf_info in;
		const char *why = NULL;
		int r = elf_check(t, len, &in, &why);
		cr_assert(r == 0 || (r == -ENOEXEC && why && *why));
		uint64_t off;
		elf_symbol(t, len, 0x401000 + (uint64_t)(rand() % 0x10000), &off);
	}
	free(t);
	free(img);
}

/* ---- hand-made images -------------------------------------------------- */

#define IMG_LEN 0x3000

struct himg {
	unsigned char b[IMG_LEN];
	size_t len;
	Elf64_Ehdr eh;
	Elf64_Phdr ph[8];
};

static void flush(struct himg *h)
{
	memcpy(h->b, &h->eh, sizeof(h->eh));
	memcpy(h->b + h->eh.e_phoff, h->ph, h->eh.e_phnum * sizeof(Elf64_Phdr));
}

/* Valid: headers + text in [0x400000, 0x401000) R X, data at 0x402000 RW
 * (0x100 bytes from the file, 0x300 in memory), and a PT_TLS. */
static void make_valid(struct himg *h)
{
	memset(h, 0, sizeof(*h));
	h->len = IMG_LEN;
	for (size_t i = 0; i < IMG_LEN; i++)
		h->b[i] = (unsigned char)(i * 7);
	Elf64_Ehdr *e = &h->eh;
	memcpy(e->e_ident, "\x7f" "ELF", 4);
	e->e_ident[EI_CLASS] = ELFCLASS64;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_ident[EI_VERSION] = EV_CURRENT;
	e->e_type = ET_EXEC;
	e->e_machine = EM_X86_64;
	e->e_version = 1;
	e->e_entry = 0x400100;
	e->e_phoff = 64;
	e->e_ehsize = 64;
	e->e_phentsize = sizeof(Elf64_Phdr);
	e->e_phnum = 3;
	h->ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0,
				 .p_vaddr = 0x400000, .p_filesz = 0x1000, .p_memsz = 0x1000, .p_align = 0x1000 };
	h->ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0x2000,
				 .p_vaddr = 0x402000, .p_filesz = 0x100, .p_memsz = 0x300, .p_align = 0x1000 };
	h->ph[2] = (Elf64_Phdr){ .p_type = PT_TLS, .p_flags = PF_R, .p_offset = 0x2080,
				 .p_vaddr = 0x402080, .p_filesz = 0x10, .p_memsz = 0x40, .p_align = 64 };
	flush(h);
}

static int check(struct himg *h, const char **why)
{
	struct elf_info in;
	flush(h);
	*why = NULL;
	int r = elf_check(h->b, h->len, &in, why);
	if (r == 0)
		cr_assert_null(*why);
	return r;
}

static struct elf_info in_static;
static const char *expect_reject(struct himg *h)
{
	const char *why;
	flush(h);
	int r = elf_check(h->b, h->len, &in_static, &why);
	cr_assert_eq(r, -ENOEXEC);
	cr_assert_not_null(why);
	return why;
}

Test(elf, handmade_valid)
{
	struct himg h;
	make_valid(&h);
	struct elf_info in;
	const char *why = NULL;
	cr_assert_eq(elf_check(h.b, h.len, &in, &why), 0, "%s", why);
	cr_assert_eq(in.entry, 0x400100);
	cr_assert_eq(in.nsegs, 2);
	cr_assert_eq(in.lo, 0x400000);
	cr_assert_eq(in.hi, 0x402300);
	cr_assert_eq(in.phdr_vaddr, 0x400040);
	cr_assert_eq(in.phnum, 3);
	cr_assert_eq(in.phentsize, 56);
	cr_assert_eq(in.tls_memsz, 0x40);
	cr_assert_eq(in.tls_align, 64);
	cr_assert_eq(in.segs[0].prot, ELF_PROT_R | ELF_PROT_X);
	cr_assert_eq(in.segs[1].prot, ELF_PROT_R | ELF_PROT_W);
	check_parse_agrees(h.b, &in);
}

Test(elf, phdr_from_pt_phdr)
{
	struct himg h;
	make_valid(&h);
	h.eh.e_phnum = 4;
	h.ph[3] = (Elf64_Phdr){ .p_type = PT_PHDR, .p_offset = 64, .p_vaddr = 0x400040,
				.p_filesz = 4 * 56, .p_memsz = 4 * 56 };
	struct elf_info in;
	const char *why;
	flush(&h);
	cr_assert_eq(elf_check(h.b, h.len, &in, &why), 0);
	cr_assert_eq(in.phdr_vaddr, 0x400040);
	check_parse_agrees(h.b, &in);
	/* Headers outside every segment and no PT_PHDR: 0. */
	make_valid(&h);
	h.ph[0].p_offset = 0x1000;
	h.ph[0].p_filesz = 0x800;
	flush(&h);
	cr_assert_eq(elf_check(h.b, h.len, &in, &why), 0);
	cr_assert_eq(in.phdr_vaddr, 0);
	check_parse_agrees(h.b, &in);
}

Test(elf, not_elf_and_truncated)
{
	struct himg h;
	const char *why;
	make_valid(&h);
	h.eh.e_ident[1] = 'X';
	cr_assert_str_eq(expect_reject(&h), "not an ELF file");
	make_valid(&h);
	flush(&h);
	cr_assert_eq(elf_check(h.b, 3, &in_static, &why), -ENOEXEC);
	cr_assert_str_eq(why, "not an ELF file");
	cr_assert_eq(elf_check(h.b, 0, &in_static, &why), -ENOEXEC);
	cr_assert_eq(elf_check(NULL, 0, &in_static, &why), -ENOEXEC);
	cr_assert_eq(elf_check(h.b, 63, &in_static, &why), -ENOEXEC);
	cr_assert_str_eq(why, "truncated ELF header");
	cr_assert_eq(elf_check(h.b, 64 + 2 * 56, &in_static, &why), -ENOEXEC);
	cr_assert_str_eq(why, "program headers outside the file");
	/* Headers fit but the data segment is cut off. */
	cr_assert_eq(elf_check(h.b, 0x2050, &in_static, &why), -ENOEXEC);
	cr_assert_str_eq(why, "segment 1 outside the file");
	cr_assert_eq(elf_check(h.b, 0x2100, &in_static, &why), 0, "%s", why);
}

Test(elf, wrong_class_data_machine_type)
{
	struct himg h;
	make_valid(&h);
	h.eh.e_ident[EI_CLASS] = 1;
	cr_assert_str_eq(expect_reject(&h), "not a 64-bit ELF file");
	make_valid(&h);
	h.eh.e_ident[EI_DATA] = 2;
	cr_assert_str_eq(expect_reject(&h), "not little-endian");
	make_valid(&h);
	h.eh.e_ident[EI_VERSION] = 0;
	cr_assert_str_eq(expect_reject(&h), "unknown ELF version");
	make_valid(&h);
	h.eh.e_machine = 183; /* EM_AARCH64 */
	cr_assert_str_eq(expect_reject(&h), "not x86-64");
	make_valid(&h);
	h.eh.e_machine = 3; /* EM_386 */
	cr_assert_str_eq(expect_reject(&h), "not x86-64");
	make_valid(&h);
	h.eh.e_type = ET_DYN;
	cr_assert_str_eq(expect_reject(&h), "position-independent executable (ET_DYN) not supported");
	make_valid(&h);
	h.eh.e_type = 1; /* ET_REL */
	cr_assert_str_eq(expect_reject(&h), "not an executable (ET_EXEC)");
}

Test(elf, dynamic_and_program_header_table)
{
	struct himg h;
	make_valid(&h);
	h.eh.e_phnum = 4;
	h.ph[3] = (Elf64_Phdr){ .p_type = PT_INTERP, .p_offset = 0x200, .p_filesz = 28, .p_memsz = 28,
				.p_vaddr = 0x400200 };
	cr_assert_str_eq(expect_reject(&h), "dynamically linked (has PT_INTERP)");
	make_valid(&h);
	h.eh.e_phnum = 0;
	cr_assert_str_eq(expect_reject(&h), "no program headers");
	make_valid(&h);
	h.eh.e_phentsize = 32;
	cr_assert_str_eq(expect_reject(&h), "bad program header size");
	make_valid(&h);
	h.eh.e_phoff = UINT64_MAX - 8; /* offset + size wraps */
	memcpy(h.b, &h.eh, sizeof(h.eh));
	const char *why;
	cr_assert_eq(elf_check(h.b, h.len, &in_static, &why), -ENOEXEC);
	cr_assert_str_eq(why, "program headers outside the file");
	make_valid(&h);
	h.ph[0].p_type = 4; /* PT_NOTE */
	h.ph[1].p_type = 4;
	cr_assert_str_eq(expect_reject(&h), "no PT_LOAD segment");
}

Test(elf, bad_segments)
{
	struct himg h;
	make_valid(&h);
	h.ph[1].p_offset = IMG_LEN - 0x80; /* 0x100 bytes from 0x80 before the end */
	cr_assert_str_eq(expect_reject(&h), "segment 1 outside the file");
	make_valid(&h);
	h.ph[1].p_offset = UINT64_MAX - 0x10;
	cr_assert_str_eq(expect_reject(&h), "segment 1 outside the file");
	make_valid(&h);
	h.ph[2].p_filesz = 0x10000; /* PT_TLS too */
	cr_assert_str_eq(expect_reject(&h), "segment 2 outside the file");
	make_valid(&h);
	h.ph[1].p_filesz = 0x400;
	cr_assert_str_eq(expect_reject(&h), "segment 1: filesz > memsz");
	make_valid(&h);
	h.ph[0].p_vaddr = 0x401800; /* runs into the data segment */
	h.eh.e_entry = 0x401900;
	cr_assert_str_eq(expect_reject(&h), "segments 0 and 1 overlap");
	make_valid(&h);
	h.ph[1].p_vaddr = 0x3fff00; /* data below text, ending inside it */
	cr_assert_str_eq(expect_reject(&h), "segments 0 and 1 overlap");
	make_valid(&h);
	h.ph[1].p_vaddr = 0x400fff; /* one byte of overlap */
	cr_assert_str_eq(expect_reject(&h), "segments 0 and 1 overlap");
	make_valid(&h);
	h.ph[1].p_vaddr = 0x401000; /* adjacent is fine */
	const char *why;
	cr_assert_eq(check(&h, &why), 0, "%s", why);
	make_valid(&h);
	h.ph[1].p_vaddr = UINT64_MAX - 0x100;
	cr_assert_str_eq(expect_reject(&h), "segment 1 wraps around");
	make_valid(&h);
	h.ph[1].p_vaddr = 0x1000;
	cr_assert_str_eq(expect_reject(&h), "segment 1 outside the user address range");
	make_valid(&h);
	h.ph[1].p_vaddr = ELF_USER_MAX - 0x200; /* ends 0x100 past the limit */
	cr_assert_str_eq(expect_reject(&h), "segment 1 outside the user address range");
	make_valid(&h);
	h.ph[1].p_vaddr = 0xffffffff80000000ULL; /* kernel half */
	cr_assert_str_eq(expect_reject(&h), "segment 1 outside the user address range");
	make_valid(&h);
	h.ph[2].p_filesz = 0x80;
	cr_assert_str_eq(expect_reject(&h), "segment 2 (TLS): filesz > memsz");
	make_valid(&h);
	h.eh.e_entry = 0x402010; /* data, not code */
	cr_assert_str_eq(expect_reject(&h), "entry point not in an executable segment");
	make_valid(&h);
	h.eh.e_entry = 0x500000;
	cr_assert_str_eq(expect_reject(&h), "entry point not in an executable segment");
}

Test(elf, too_many_and_empty_segments)
{
	static unsigned char big[0x1000];
	Elf64_Ehdr e = { 0 };
	memcpy(e.e_ident, "\x7f" "ELF", 4);
	e.e_ident[EI_CLASS] = ELFCLASS64;
	e.e_ident[EI_DATA] = ELFDATA2LSB;
	e.e_ident[EI_VERSION] = EV_CURRENT;
	e.e_type = ET_EXEC;
	e.e_machine = EM_X86_64;
	e.e_entry = 0x400000;
	e.e_phoff = 64;
	e.e_phentsize = 56;
	e.e_phnum = ELF_MAX_SEGS + 2;
	memcpy(big, &e, sizeof(e));
	for (int i = 0; i < ELF_MAX_SEGS + 2; i++) {
		Elf64_Phdr p = { .p_type = PT_LOAD, .p_flags = PF_R | PF_X,
				 .p_vaddr = 0x400000 + 0x1000 * (uint64_t)i, .p_memsz = 0x1000 };
		if (i == 3)
			p.p_memsz = 0; /* empty segments are skipped */
		memcpy(big + 64 + 56 * i, &p, sizeof(p));
	}
	struct elf_info in;
	const char *why;
	cr_assert_eq(elf_check(big, sizeof(big), &in, &why), -ENOEXEC);
	cr_assert_str_eq(why, "too many PT_LOAD segments (max 16)");
	e.e_phnum = ELF_MAX_SEGS + 1; /* 17 headers, one empty: 16 segments */
	memcpy(big, &e, sizeof(e));
	cr_assert_eq(elf_check(big, sizeof(big), &in, &why), 0, "%s", why);
	cr_assert_eq(in.nsegs, ELF_MAX_SEGS);
	/* No headers inside a segment (all memsz only): phdr 0. */
	cr_assert_eq(in.phdr_vaddr, 0);
}

struct call {
	uint64_t vaddr, memsz, filesz;
	const void *src;
	int prot;
};

struct recorder {
	struct call calls[8];
	int n, fail_at, err;
};

static int record_map(void *ctx, uint64_t vaddr, uint64_t memsz, const void *src, uint64_t filesz, int prot)
{
	struct recorder *r = ctx;
	if (r->n == r->fail_at)
		return r->err;
	r->calls[r->n++] = (struct call){ vaddr, memsz, filesz, src, prot };
	return 0;
}

Test(elf, load_calls_map_per_segment)
{
	struct himg h;
	make_valid(&h);
	struct elf_info in;
	const char *why;
	cr_assert_eq(elf_check(h.b, h.len, &in, &why), 0);
	struct recorder rec = { .fail_at = -1 };
	cr_assert_eq(elf_load(h.b, &in, record_map, &rec), 0);
	cr_assert_eq(rec.n, 2);
	cr_assert_eq(rec.calls[0].vaddr, 0x400000);
	cr_assert_eq(rec.calls[0].memsz, 0x1000);
	cr_assert_eq(rec.calls[0].filesz, 0x1000);
	cr_assert_eq(rec.calls[0].src, h.b);
	cr_assert_eq(rec.calls[0].prot, ELF_PROT_R | ELF_PROT_X);
	cr_assert_eq(rec.calls[1].vaddr, 0x402000);
	cr_assert_eq(rec.calls[1].memsz, 0x300);
	cr_assert_eq(rec.calls[1].filesz, 0x100);
	cr_assert_eq(rec.calls[1].src, h.b + 0x2000);
	cr_assert_eq(rec.calls[1].prot, ELF_PROT_R | ELF_PROT_W);

	struct recorder bad = { .fail_at = 1, .err = -ENOMEM };
	cr_assert_eq(elf_load(h.b, &in, record_map, &bad), -ENOMEM);
	cr_assert_eq(bad.n, 1);
	struct recorder bad0 = { .fail_at = 0, .err = -EFAULT };
	cr_assert_eq(elf_load(h.b, &in, record_map, &bad0), -EFAULT);
	cr_assert_eq(bad0.n, 0);
}

Test(elf, symbol_on_images_without_symtab)
{
	struct himg h;
	make_valid(&h);
	uint64_t off;
	cr_assert_null(elf_symbol(h.b, h.len, 0x400100, &off));
	cr_assert_null(elf_symbol(h.b, 10, 0x400100, &off));
	cr_assert_null(elf_symbol(NULL, 0, 0x400100, &off));
	/* Section header table pointing outside the file. */
	h.eh.e_shoff = IMG_LEN - 64;
	h.eh.e_shnum = 4;
	h.eh.e_shentsize = 64;
	flush(&h);
	cr_assert_null(elf_symbol(h.b, h.len, 0x400100, &off));
}

/* A hand-made symbol table: bounds of names and sizes are checked. */
Test(elf, symbol_handmade_table)
{
	struct himg h;
	make_valid(&h);
	/* Sections at 0x2800: [0] null, [1] symtab (link 2), [2] strtab,
	 * [3] .text at [0x400000, 0x401000). */
	const char strtab[] = "\0alpha\0beta\0gamma_data\0after\0label\0zero";
	Elf64_Sym syms[9] = {
		{ 0 },
		{ .st_name = 1, .st_info = STT_FUNC, .st_shndx = 3, .st_value = 0x400100, .st_size = 0x40 },
		{ .st_name = 7, .st_info = STT_FUNC, .st_shndx = 3, .st_value = 0x400120, .st_size = 0x10 },
		{ .st_name = 12, .st_info = 1 /* STT_OBJECT */, .st_shndx = 2, .st_value = 0x400130, .st_size = 0x100 },
		{ .st_name = 35, .st_info = STT_FUNC, .st_shndx = 3, .st_value = 0x400200, .st_size = 0 },
		{ .st_name = 9999, .st_info = STT_FUNC, .st_shndx = 3, .st_value = 0x400300, .st_size = 0x10 },
		{ .st_name = 23, .st_info = STT_FUNC, .st_shndx = 3, .st_value = 0x400400, .st_size = 0x10 },
		/* A global assembly label (STT_NOTYPE) and a local one, ignored. */
		{ .st_name = 29, .st_info = STB_GLOBAL << 4 | STT_NOTYPE, .st_shndx = 3, .st_value = 0x400800 },
		{ .st_name = 7, .st_info = STT_NOTYPE, .st_shndx = 3, .st_value = 0x400900 },
	};
	uint64_t symoff = 0x2400, stroff = 0x2700, shoff = 0x2800;
	memcpy(h.b + symoff, syms, sizeof(syms));
	memcpy(h.b + stroff, strtab, sizeof(strtab));
	Elf64_Shdr sh[4] = {
		{ 0 },
		{ .sh_type = SHT_SYMTAB, .sh_offset = symoff, .sh_size = sizeof(syms), .sh_link = 2,
		  .sh_entsize = sizeof(Elf64_Sym) },
		{ .sh_type = 3 /* SHT_STRTAB */, .sh_offset = stroff, .sh_size = sizeof(strtab) },
		{ .sh_type = 1 /* SHT_PROGBITS */, .sh_addr = 0x400000, .sh_offset = 0, .sh_size = 0x1000 },
	};
	memcpy(h.b + shoff, sh, sizeof(sh));
	h.eh.e_shoff = shoff;
	h.eh.e_shnum = 4;
	h.eh.e_shentsize = sizeof(Elf64_Shdr);
	flush(&h);
	uint64_t off = 0;
	cr_assert_str_eq(elf_symbol(h.b, h.len, 0x400100, &off), "alpha");
	cr_assert_eq(off, 0);
	cr_assert_str_eq(elf_symbol(h.b, h.len, 0x400110, &off), "alpha");
	cr_assert_eq(off, 0x10);
	/* Nested: the innermost symbol wins. */
	cr_assert_str_eq(elf_symbol(h.b, h.len, 0x400125, &off), "beta");
	cr_assert_eq(off, 5);
	cr_assert_str_eq(elf_symbol(h.b, h.len, 0x400135, &off), "alpha");
	/* Past a sized function, and objects are not functions: nothing. */
	cr_assert_null(elf_symbol(h.b, h.len, 0x400180, &off));
	cr_assert_null(elf_symbol(h.b, h.len, 0x4000ff, &off));
	/* A zero-size function extends to the next symbol (as musl's memcpy). */
	cr_assert_str_eq(elf_symbol(h.b, h.len, 0x400200, &off), "zero");
	cr_assert_eq(off, 0);
	cr_assert_str_eq(elf_symbol(h.b, h.len, 0x400280, &off), "zero");
	cr_assert_eq(off, 0x80);
	/* A symbol whose name is outside the string table is skipped. */
	cr_assert_str_eq(elf_symbol(h.b, h.len, 0x400305, &off), "zero");
	cr_assert_eq(off, 0x105);
	cr_assert_str_eq(elf_symbol(h.b, h.len, 0x40040f, &off), "after");
	cr_assert_eq(off, 0xf);
	cr_assert_null(elf_symbol(h.b, h.len, 0x400410, &off));
	/* Global labels count, local ones do not; never past the section. */
	cr_assert_str_eq(elf_symbol(h.b, h.len, 0x400950, &off), "label");
	cr_assert_eq(off, 0x150);
	cr_assert_str_eq(elf_symbol(h.b, h.len, 0x400fff, &off), "label");
	cr_assert_null(elf_symbol(h.b, h.len, 0x401000, &off));
	/* An unterminated last name ("zero") is refused. */
	sh[2].sh_size = sizeof(strtab) - 1;
	memcpy(h.b + shoff, sh, sizeof(sh));
	cr_assert_null(elf_symbol(h.b, h.len, 0x400200, &off));
	cr_assert_str_eq(elf_symbol(h.b, h.len, 0x400100, &off), "alpha");
	/* A symtab link out of range is ignored. */
	sh[1].sh_link = 7;
	memcpy(h.b + shoff, sh, sizeof(sh));
	cr_assert_null(elf_symbol(h.b, h.len, 0x400100, &off));
}

Test(elf, unaligned_image)
{
	size_t len;
	unsigned char *img = load_sample(&len);
	/* The image may sit at any byte address: headers are copied out, so
	 * UBSan sees no misaligned loads. */
	unsigned char *buf = malloc(len + 8);
	for (int shift = 1; shift < 8; shift += 3) {
		memset(buf, 0, len + 8);
		memcpy(buf + shift, img, len);
		struct elf_info a, b;
		const char *why;
		cr_assert_eq(elf_check(img, len, &a, &why), 0);
		cr_assert_eq(elf_check(buf + shift, len, &b, &why), 0);
		cr_assert_eq(a.entry, b.entry);
		cr_assert_eq(a.nsegs, b.nsegs);
		uint64_t o1, o2;
		const char *n1 = elf_symbol(img, len, a.entry + 2, &o1);
		const char *n2 = elf_symbol(buf + shift, len, a.entry + 2, &o2);
		cr_assert_not_null(n1);
		cr_assert_str_eq(n1, n2);
		cr_assert_eq(o1, o2);
	}
	free(buf);
	free(img);
}

/* ---- forged ET_DYN and PT_INTERP headers (elf_check_flags) -------------- */

#define INTERP "/lib64/ld-linux-x86-64.so.2"

/* A valid PIE: the image of make_valid() at addresses relative to 0, with a
 * PT_INTERP naming INTERP (NUL included) at file offset 0x200. */
static void make_dyn(struct himg *h)
{
	make_valid(h);
	h->eh.e_type = ET_DYN;
	h->eh.e_entry = 0x100;
	h->ph[0].p_vaddr = 0;
	h->ph[1].p_vaddr = 0x2000;
	h->ph[2].p_vaddr = 0x2080;
	h->eh.e_phnum = 4;
	h->ph[3] = (Elf64_Phdr){ .p_type = PT_INTERP, .p_flags = PF_R, .p_offset = 0x200,
				 .p_vaddr = 0x200, .p_filesz = sizeof(INTERP), .p_memsz = sizeof(INTERP), .p_align = 1 };
	memcpy(h->b + 0x200, INTERP, sizeof(INTERP));
	flush(h);
}

static struct elf_info in_dyn; /* holds the reason when it names a segment */
static const char *dyn_reject(struct himg *h)
{
	struct elf_info *ip = &in_dyn;
	const char *why = NULL;
	flush(h);
	int r = elf_check_flags(h->b, h->len, ELF_DYN | ELF_INTERP, ip, &why);
	cr_assert_eq(r, -ENOEXEC, "accepted a forged header");
	cr_assert_not_null(why);
	return why;
}

Test(elf, forged_dyn_valid)
{
	struct himg h;
	struct elf_info in;
	const char *why = NULL;
	make_dyn(&h);
	cr_assert_eq(elf_check_flags(h.b, h.len, ELF_DYN | ELF_INTERP, &in, &why), 0, "%s", why);
	cr_assert(in.dyn);
	cr_assert_str_eq(in.interp, INTERP);
	cr_assert_eq(in.hi, 0x2300);
	/* without the flags the same image is refused, with the reason */
	cr_assert_eq(elf_check_flags(h.b, h.len, ELF_INTERP, &in, &why), -ENOEXEC);
	cr_assert_str_eq(why, "position-independent executable (ET_DYN) not supported");
	cr_assert_eq(elf_check_flags(h.b, h.len, ELF_DYN, &in, &why), -ENOEXEC);
	cr_assert_str_eq(why, "dynamically linked (has PT_INTERP)");
}

Test(elf, forged_interp)
{
	struct himg h;
	make_dyn(&h);
	h.ph[3].p_filesz = sizeof(INTERP) - 1; /* the path without its NUL */
	cr_assert(strncmp(dyn_reject(&h), "bad PT_INTERP", 13) == 0);
	make_dyn(&h);
	h.b[0x200 + 5] = 0; /* a NUL inside: the path is not what the header says */
	cr_assert(strncmp(dyn_reject(&h), "bad PT_INTERP", 13) == 0);
	make_dyn(&h);
	h.ph[3].p_filesz = 0;
	cr_assert(strncmp(dyn_reject(&h), "bad PT_INTERP", 13) == 0);
	make_dyn(&h);
	memset(h.b + 0x200, 'a', 400); /* longer than 255 bytes */
	h.b[0x200 + 399] = 0;
	h.ph[3].p_filesz = 400;
	cr_assert(strncmp(dyn_reject(&h), "bad PT_INTERP", 13) == 0);
	make_dyn(&h);
	h.ph[3].p_offset = IMG_LEN - 4; /* runs past the end of the file */
	cr_assert_str_eq(dyn_reject(&h), "segment 3 outside the file");
	make_dyn(&h);
	h.ph[3].p_offset = UINT64_MAX - 8; /* offset + size wraps */
	cr_assert_str_eq(dyn_reject(&h), "segment 3 outside the file");
	make_dyn(&h);
	h.ph[3].p_filesz = h.ph[3].p_memsz = UINT64_MAX;
	dyn_reject(&h);
	make_dyn(&h); /* a second PT_INTERP */
	h.eh.e_phnum = 5;
	h.ph[4] = h.ph[3];
	cr_assert(strncmp(dyn_reject(&h), "bad PT_INTERP", 13) == 0);
}

Test(elf, forged_dyn_segments)
{
	struct himg h;
	make_dyn(&h);
	h.ph[1].p_vaddr = 0x800; /* data inside the text */
	cr_assert_str_eq(dyn_reject(&h), "segments 0 and 1 overlap");
	make_dyn(&h);
	h.ph[1].p_offset = IMG_LEN; /* past the end */
	cr_assert_str_eq(dyn_reject(&h), "segment 1 outside the file");
	make_dyn(&h);
	h.ph[1].p_memsz = UINT64_MAX - 0x1000; /* huge: wraps */
	dyn_reject(&h);
	make_dyn(&h);
	h.ph[1].p_memsz = ELF_USER_MAX; /* no bias can place it below the limit */
	dyn_reject(&h);
	make_dyn(&h);
	h.ph[1].p_filesz = 0x400; /* more file than memory */
	cr_assert_str_eq(dyn_reject(&h), "segment 1: filesz > memsz");
	make_dyn(&h);
	h.eh.e_entry = 0x2010; /* entry in data */
	cr_assert_str_eq(dyn_reject(&h), "entry point not in an executable segment");
}

/* Random corruption of the header bytes of a valid PIE: clean errors only. */
Test(elf, forged_dyn_random_never_crashes)
{
	struct himg h, t;
	make_dyn(&h);
	srand(11);
	for (int i = 0; i < 20000; i++) {
		t = h;
		for (int k = 0; k < 1 + rand() % 6; k++)
			t.b[rand() % (0x240)] = (unsigned char)rand();
		struct elf_info in;
		const char *why = NULL;
		int r = elf_check_flags(t.b, t.len, ELF_DYN | ELF_INTERP, &in, &why);
		cr_assert(r == 0 || (r == -ENOEXEC && why && *why));
		if (r == 0 && in.interp)
			cr_assert(strlen(in.interp) < 256 && (const unsigned char *)in.interp >= t.b &&
				  (const unsigned char *)in.interp < t.b + t.len);
	}
}
