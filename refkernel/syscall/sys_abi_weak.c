/* sys_abi_weak.c — weak stand-ins for calls the process-ABI work (rlimits)
 * implements in full; a strong definition elsewhere replaces each one.
 * prlimit64 reads what is true here: RLIMIT_NOFILE is the fd table's size
 * (FD_MAX), RLIMIT_STACK the main stack's 8 MiB, every other limit none.
 * Setting a limit to what it already is succeeds (memcached sets
 * RLIMIT_NOFILE to its -c); any other value is -EPERM: nothing here would
 * enforce it. */
#include "kernel.h"
#include "syscall.h"

#define RLIMIT_STACK 3
#define RLIMIT_NOFILE 7
#define RLIM_NLIMITS 16
#define RLIM_INFINITY (~0ULL)

__attribute__((weak)) int64_t sys_prlimit64(uint64_t pid, uint64_t res, uint64_t unew, uint64_t uold,
					    uint64_t e, uint64_t f)
{
	(void)e; (void)f;
	if (pid != 0 && pid != 1)
		return -ESRCH;
	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	uint64_t cur = res == RLIMIT_NOFILE ? FD_MAX : res == RLIMIT_STACK ? 8ULL << 20 : RLIM_INFINITY;
	uint64_t max = res == RLIMIT_STACK ? RLIM_INFINITY : cur;
	if (unew) {
		if (!mm_user_ok((void *)unew, 16, false))
			return -EFAULT;
		const uint64_t *n = (const uint64_t *)unew;
		if (n[0] != cur || n[1] != max)
			return -EPERM;
	}
	if (uold) {
		if (!mm_user_ok((void *)uold, 16, true))
			return -EFAULT;
		((uint64_t *)uold)[0] = cur;
		((uint64_t *)uold)[1] = max;
	}
	return 0;
}

__attribute__((weak)) int64_t sys_getrlimit(uint64_t res, uint64_t uold, uint64_t c, uint64_t d,
					    uint64_t e, uint64_t f)
{
	(void)c; (void)d; (void)e; (void)f;
	return sys_prlimit64(0, res, 0, uold ? uold : 1, 0, 0);
}

__attribute__((weak)) int64_t sys_setrlimit(uint64_t res, uint64_t unew, uint64_t c, uint64_t d,
					    uint64_t e, uint64_t f)
{
	(void)c; (void)d; (void)e; (void)f;
	return sys_prlimit64(0, res, unew ? unew : 1, 0, 0, 0);
}
