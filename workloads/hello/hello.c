/* hello: the smallest workload. Prints "hello from <sysname>" and exits with
 * the status given as argv[1] (default 0), so tests can check exit codes. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>

int main(int argc, char **argv)
{
	struct utsname u;

	if (uname(&u) != 0) {
		perror("uname");
		return 1;
	}
	printf("hello from %s\n", u.sysname);
	return argc > 1 ? atoi(argv[1]) : 0;
}
