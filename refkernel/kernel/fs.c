/* fs.c — the kernel side of fs/ (vfs_platform.h on the kernel's allocators,
 * clock, randomness and console) and the root file system at boot:
 * kfs_init() makes the ramfs root, unpacks the archive baked into the image
 * (.rootfs, put there by `make bake`) and then the one the boot loader
 * passed (-initrd, laid over it), and adds /dev. */
#include "kernel.h"
#include "vfs.h"
#include "../fs/vfs_platform.h"
#include "x86.h"
#include "mem.h"
#include "elf.h"

/* Data pages leave this many frames free: page faults of mappings made
 * earlier and the kernel's own allocations need them (cf. mm.c's reserve). */
#define KFS_RESERVE_PAGES 128

void *vfsp_alloc(size_t n)
{
	void *p = kmalloc(n ? n : 1);
	if (p)
		memset(p, 0, n);
	return p;
}

void vfsp_free(void *p) { kfree(p); }

void *vfsp_page_alloc(void)
{
	if (mem_free_bytes() / PAGE_SIZE <= KFS_RESERVE_PAGES)
		return NULL;
	uint64_t pa = mem_frame_alloc();
	return pa ? x86_phys(pa) : NULL;
}

void vfsp_page_free(void *page) { mem_frame_free(VIRT_TO_PHYS(page)); }
void vfsp_unmap_past(struct vnode *vn, uint64_t size) { mm_unmap_file_past(vn, (size + PAGE_SIZE - 1) / PAGE_SIZE); }
int64_t vfsp_now_ns(void) { return (int64_t)time_realtime_ns(); }
void vfsp_random(void *buf, size_t n) { rand_bytes(buf, n); }
int64_t vfsp_console_read(void *buf, size_t n) { return console_read(buf, n); }
void vfsp_console_write(const void *buf, size_t n) { console_write(buf, n); }
bool vfsp_console_readable(void) { return console_readable(); }

extern const uint8_t _rootfs_start[], _rootfs_end[];

static void load(const char *what, const void *data, uint64_t len)
{
	struct cpio_error why = { 0, "?" };
	int r = cpio_load(vfs_root(), data, len, &why);
	if (r == -EINVAL)
		kpanic(KEXIT_BADROOT, "%s: malformed cpio archive at byte %lu: %s", what,
		       (unsigned long)why.offset, why.what);
	if (r)
		kpanic(r == -ENOSPC || r == -ENOMEM ? KEXIT_OOM : KEXIT_BADROOT,
		       "%s: cannot unpack at byte %lu: %s (%d)", what, (unsigned long)why.offset, why.what, r);
}

void kfs_init(const struct boot_info *bi)
{
	struct vfs_mount *root = ramfs_new(0, 1);
	if (!root)
		kpanic(KEXIT_OOM, "out of memory for the root file system");
	vfs_init(root->root);
	uint64_t baked = (uint64_t)(_rootfs_end - _rootfs_start);
	if (baked)
		load("baked root", _rootfs_start, baked);
	for (int i = 0; i < bi->nmods; i++)
		load("initrd", x86_phys(bi->mods[i].start), bi->mods[i].end - bi->mods[i].start);
	int r = dev_populate(vfs_root());
	if (r)
		kpanic(r == -ENOMEM || r == -ENOSPC ? KEXIT_OOM : KEXIT_BADROOT, "cannot make /dev (%d)", r);
}

/* File mappings (mm_pager over vnodes): a shared mapping maps the file's
 * own pages (vnode op page, own: archive data is copied up at the first
 * fault), none wholly past the end of the file (the fault gets SIGBUS). */
static uint64_t pg_frame(void *obj, uint64_t pgoff)
{
	struct vnode *vn = obj;
	void *kva;
	if (pgoff >= (vn->size + PAGE_SIZE - 1) / PAGE_SIZE || !vn->ops->page || vn->ops->page(vn, pgoff, true, &kva))
		return 0;
	return VIRT_TO_PHYS(kva);
}

/* A private mapping's page: the file's bytes, read at the first fault. */
static int pg_fill(void *obj, uint64_t pgoff, void *dst)
{
	struct vnode *vn = obj;
	uint64_t off = pgoff * PAGE_SIZE;
	if (off >= vn->size)
		return -ENXIO; /* wholly past the end: the fault stands (SIGBUS, as Linux) */
	int64_t r = vn->ops->read(vn, dst, MIN((uint64_t)PAGE_SIZE, vn->size - off), off);
	return r < 0 ? (int)r : 0;
}

/* (maps) counts every region: a truncation walks the regions only then. */
static void pg_hold(void *obj)
{
	vfs_ref(obj);
	((struct vnode *)obj)->maps++;
}

static void pg_drop(void *obj)
{
	((struct vnode *)obj)->maps--;
	vfs_unref(obj);
}

static int64_t pg_name(void *obj, char *buf, size_t n, uint64_t *dev, uint64_t *ino)
{
	struct vnode *vn = obj;
	*dev = vn->mnt->dev;
	*ino = vn->ino;
	int64_t r = vfs_name_of(vn, buf, n);
	return r > 0 ? r - 1 : r;
}

const struct mm_pager kfs_pager = { pg_frame, pg_fill, pg_hold, pg_drop, pg_name };

/* The loaded segments of the program at (path) (bias added) are named
 * after it in /proc/self/maps, as far as they hold file bytes; their whole
 * file pages (kfs_paged_span, left untouched by kernel/app.c) are paged in. */
bool kfs_name_segments(const char *path, const struct elf_info *ei, uint64_t bias)
{
	struct vnode *vn;
	if (vfs_walk(NULL, path, VFS_FOLLOW, &vn))
		return false;
	for (int i = 0; i < ei->nsegs; i++) {
		const struct elf_seg *s = &ei->segs[i];
		uint64_t start = PAGE_ROUND_DOWN(s->vaddr + bias), end = PAGE_ROUND_UP(s->vaddr + bias + s->filesz);
		uint64_t off = PAGE_ROUND_DOWN(s->offset), lo, hi;
		if (!s->filesz || end <= start)
			continue;
		if (mm_map_file(start, end - start, &kfs_pager, vn, off, false))
			return false;
		kfs_paged_span(s->vaddr + bias, s->offset, s->filesz, &lo, &hi);
		if (hi && mm_map_file_lazy(lo, hi - lo, &kfs_pager, vn, off + (lo - start)))
			return false;
	}
	return true;
}

/* The program at (path) in the root, as one buffer (*len bytes). */
const uint8_t *kfs_program(const char *path, size_t *len)
{
	struct vnode *vn;
	int r = vfs_walk(NULL, path, VFS_FOLLOW, &vn);
	if (r)
		kpanic(KEXIT_NOPROG, "%s: cannot find the program (%d)", path, r);
	if (!VFS_ISREG(vn->mode))
		kpanic(KEXIT_NOPROG, "%s: not a regular file", path);
	*len = vn->size;
	const uint8_t *img = ramfs_contiguous(vn);
	if (img || !vn->size)
		return img;
	uint8_t *buf = kmalloc(vn->size);
	if (!buf)
		kpanic(KEXIT_OOM, "%s: no memory to read the program (%lu KiB)", path,
		       (unsigned long)(vn->size >> 10));
	struct vfs_file *f = vfs_file_of(vn, VFS_O_RDONLY);
	if (!f || vfs_pread(f, buf, vn->size, 0) != (int64_t)vn->size)
		kpanic(KEXIT_NOPROG, "%s: cannot read the program", path);
	vfs_close(f);
	return buf;
}
