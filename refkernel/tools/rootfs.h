/* rootfs.h — the root file system of one program, as a cpio "newc" archive
 * (host tool behind `make rootfs`; see rootfs.c for the command line).
 *
 * rf_resolve() finds what the host's dynamic loader would load for (bin),
 * without running anything: the interpreter named by PT_INTERP and the
 * recursive DT_NEEDED closure, searched as glibc's ld.so does — for each
 * name, DT_RPATH of the needing object and of its loaders up to the program
 * (only while the object has no DT_RUNPATH), then its DT_RUNPATH, then the
 * ld.so cache, then the default directories. $ORIGIN, $LIB and $PLATFORM
 * are expanded; a candidate that is not a 64-bit little-endian x86-64 ELF
 * is passed over, as ld.so does. LD_LIBRARY_PATH is not read (the host's
 * environment is not the guest's). A static program has no interpreter
 * and no libraries.
 *
 * rf_archive() writes the program, its interpreter and libraries at their
 * host paths (symbolic links on the way kept as links, see rootfs.c),
 * the tree (rootfs) merged at /, default /etc files and the mount points,
 * with every regular file's data starting on a 4096-byte boundary of the
 * archive.
 *
 * Errors: both return 0, or -1 with one line (no newline) in (err), such as
 * "libfoo.so.1 (needed by /usr/bin/x): not found". Paths in (err) are the
 * caller's. */
#ifndef ROOTFS_H
#define ROOTFS_H
#include <stddef.h>

#define RF_ALIGN 4096 /* file data alignment inside the archive */

struct rf_opts {
	const char *cache;        /* ld.so cache file; NULL: none */
	const char *const *dirs;  /* default directories, NULL-terminated */
};

/* The host's: /etc/ld.so.cache and glibc's x86-64 Debian search path. */
extern const struct rf_opts rf_host_opts;

struct rf_obj {
	char *name;   /* as asked for: BIN's path, PT_INTERP or the DT_NEEDED string */
	char *path;   /* where it was found (host path, absolute) */
	int loader;   /* index of the object that needed it first, -1 for BIN */
};

struct rf_closure {
	char *interp;         /* PT_INTERP, NULL for a static program */
	int n;
	struct rf_obj *objs;  /* BIN first, then the interpreter, then libraries breadth-first */
};

int rf_resolve(const char *bin, const struct rf_opts *o, struct rf_closure *c,
	       char *err, size_t errlen);
void rf_closure_free(struct rf_closure *c);

/* Write (c)'s files, (rootfs) (may be NULL) and the defaults to (out). */
int rf_archive(const struct rf_closure *c, const char *rootfs, const char *out,
	       char *err, size_t errlen);

#endif
