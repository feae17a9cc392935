/* nofs.c — stand-ins for an image baked without the file system (FS=0),
 * as nonet.c is for the network: weak, so that an image with fs.o links
 * kernel/fs.c instead. Such an image runs only its baked program. */
#include "kernel.h"
#include "syscall.h"
#include "sys_fs.h"
#include "sys_proc.h"

__attribute__((weak)) void kfs_init(const struct boot_info *bi)
{
	if (bi->nmods)
		kpanic(KEXIT_BADROOT, "-initrd given but this image was baked without the file system (FS=0)");
}

__attribute__((weak)) bool kfs_name_segments(const char *path, const struct elf_info *ei, uint64_t bias)
{
	(void)path; (void)ei; (void)bias;
	return true;
}

/* Every stand-in call is one function (weak aliases): a few bytes each. */
static int64_t nofs_enosys(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f)
{
	(void)a; (void)b; (void)c; (void)d; (void)e; (void)f;
	return -ENOSYS;
}
#define NOFS_STUB(nr, name) \
	int64_t sys_##name(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) \
		__attribute__((weak, alias("nofs_enosys")));
SYS_FS_CALLS(NOFS_STUB)
SYS_PROC_CALLS(NOFS_STUB)
/* sys_signal.c's calls: no signal arrives in such an image */
#define NOFS_STUB1(name) NOFS_STUB(0, name)
NOFS_STUB1(kill) NOFS_STUB1(tkill) NOFS_STUB1(tgkill) NOFS_STUB1(rt_sigaction) NOFS_STUB1(rt_sigprocmask)
NOFS_STUB1(rt_sigpending) NOFS_STUB1(rt_sigsuspend) NOFS_STUB1(sigaltstack) NOFS_STUB1(pause)
NOFS_STUB1(alarm) NOFS_STUB1(getitimer) NOFS_STUB1(setitimer)
NOFS_STUB1(eventfd) NOFS_STUB1(eventfd2) NOFS_STUB1(timerfd_create) NOFS_STUB1(timerfd_settime)
NOFS_STUB1(timerfd_gettime) NOFS_STUB1(mremap) NOFS_STUB1(msync) NOFS_STUB1(mincore)
__attribute__((weak)) void sys_signal_return(struct x86_syscall_frame *fr) { (void)fr; }
__attribute__((weak)) void sys_signal_init(void) { }
__attribute__((weak)) bool sys_signal_interrupts(void) { return false; }
__attribute__((weak)) uint64_t sys_signal_timers(void) { return 0; }
__attribute__((weak)) uint64_t sys_sig_handler(int sig) { (void)sig; return 0; }
__attribute__((weak)) void sys_rt_sigreturn_frame(const struct x86_syscall_frame *fr)
{
	(void)fr;
	kpanic(KEXIT_PANIC, "rt_sigreturn in an image without signals (FS=0)");
}

__attribute__((weak)) int64_t sys_fcntl_fs(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
					   uint64_t e, uint64_t f)
{
	return sys_fcntl(a, b, c, d, e, f);
}

__attribute__((weak)) void sys_fs_stdio(void) { }

__attribute__((weak)) int64_t sys_mmap_fs(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
					  uint64_t e, uint64_t f)
{
	return sys_mmap(a, b, c, d, e, f);
}

__attribute__((weak)) bool sys_fs_always_ready(const struct kfile *k) { (void)k; return false; }
__attribute__((weak)) int sys_fs_sock_bind(const char *p, void **vn) { (void)p; (void)vn; return -ENOSYS; }
__attribute__((weak)) int sys_fs_sock_find(const char *p, void **vn) { (void)p; (void)vn; return -ENOSYS; }
__attribute__((weak)) void sys_fs_sock_put(void *vn) { (void)vn; }
__attribute__((weak)) unsigned fd_limit(void) { return FD_MAX; }
__attribute__((weak)) const char *sys_hostname(void) { return "refkernel"; }
__attribute__((weak)) const char *sys_domainname(void) { return "(none)"; }
