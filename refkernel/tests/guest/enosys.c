/* enosys: an unimplemented syscall returns -ENOSYS (twice; reported once). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	for (int i = 0; i < 2; i++) {
		errno = 0;
		long r = syscall(SYS_getcpu, 0, 0, 0);
		if (r != -1 || errno != ENOSYS) {
			printf("enosys: FAIL r=%ld errno=%d\n", r, errno);
			return 1;
		}
	}
	errno = 0;
	long r = syscall(1000);
	printf("enosys: ok (%s)\n", r == -1 && errno == ENOSYS ? "out of range too" : "FAIL out of range");
	return r == -1 && errno == ENOSYS ? 0 : 1;
}
